//! The value types of settings, each made by one parser that accepts exactly what the settings
//! table says it accepts. Secrets never print: tokens show only how many there are, and a
//! database URL hides its password.

use std::fmt;
use std::time::Duration;

use uuid::Uuid;

/// Which database a URL names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database URL with its backend. `Display` and `Debug` hide the password; only
/// [`DatabaseUrl::expose`] gives it, for the driver.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    url: String,
    backend: Backend,
}

impl DatabaseUrl {
    pub fn parse(text: &str) -> Option<DatabaseUrl> {
        let backend = if text.starts_with("sqlite:") {
            Backend::Sqlite
        } else if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return None;
        };
        Some(DatabaseUrl { url: text.to_owned(), backend })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// An in-memory SQLite database: the value before the settings table's default is applied.
    pub(super) fn placeholder() -> DatabaseUrl {
        DatabaseUrl { url: "sqlite::memory:".to_owned(), backend: Backend::Sqlite }
    }

    /// The URL with its password, for the database driver only.
    pub fn expose(&self) -> &str {
        &self.url
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match url::Url::parse(&self.url) {
            Ok(mut parsed) if parsed.password().is_some() => {
                let _ = parsed.set_password(Some("***"));
                write!(f, "{parsed}")
            }
            _ => f.write_str(&self.url),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

/// A scheme a home page is fetched over, named as in its URLs (`https`, `http`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, strum::IntoStaticStr, strum::EnumString)]
#[strum(serialize_all = "lowercase", ascii_case_insensitive)]
pub enum Scheme {
    Https,
    Http,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogFormat {
    #[default]
    Pretty,
    Json,
}

/// Bearer tokens and their tenants. Debug output never shows a token.
#[derive(Clone, Default)]
pub struct ApiTokens(pub(super) Vec<(String, Uuid)>);

impl ApiTokens {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The tenant of `presented`, comparing against every token in constant time so the answer
    /// time does not tell how much of a token was right.
    pub fn tenant_of(&self, presented: &str) -> Option<Uuid> {
        let mut found = None;
        for (token, tenant) in &self.0 {
            if same_secret(token, presented) {
                found = Some(*tenant);
            }
        }
        found
    }

    /// Every token with its tenant (the console recognises its sessions' tokens by them).
    pub fn each(&self) -> impl Iterator<Item = (&str, Uuid)> {
        self.0.iter().map(|(token, tenant)| (token.as_str(), *tenant))
    }
}

impl fmt::Debug for ApiTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiTokens({} tokens)", self.0.len())
    }
}

/// Operator tokens: each sees every tenant. Debug output never shows a token.
#[derive(Clone, Default)]
pub struct AdminTokens(pub(super) Vec<String>);

impl AdminTokens {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `presented` is one of the tokens, compared in constant time like
    /// [`ApiTokens::tenant_of`].
    pub fn contains(&self, presented: &str) -> bool {
        let mut found = false;
        for token in &self.0 {
            found |= same_secret(token, presented);
        }
        found
    }

    /// Every token.
    pub fn each(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }
}

impl fmt::Debug for AdminTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AdminTokens({} tokens)", self.0.len())
    }
}

/// The key that signs completion callbacks. Debug output never shows it.
#[derive(Clone)]
pub struct CallbackSecret(String);

impl CallbackSecret {
    /// The key, for the signer only.
    pub fn expose(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl fmt::Debug for CallbackSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CallbackSecret(hidden)")
    }
}

fn same_secret(known: &str, presented: &str) -> bool {
    use subtle::ConstantTimeEq;
    let equal: bool = known.as_bytes().ct_eq(presented.as_bytes()).into();
    known.len() == presented.len() && equal
}

// Parsers: each returns `None` for a value the setting does not accept.

pub fn whole(text: &str, min: u64, max: u64) -> Option<u64> {
    text.parse::<u64>().ok().filter(|n| (min..=max).contains(n))
}

pub fn seconds(text: &str, min: u64, max: u64) -> Option<Duration> {
    whole(text, min, max).map(Duration::from_secs)
}

pub fn boolean(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
}

pub fn non_empty(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_owned())
}

/// The certificates of the PEM file at `path`; `None` when it cannot be read or holds none.
pub fn pem_certificates(path: &str) -> Option<Vec<rustls::pki_types::CertificateDer<'static>>> {
    use rustls::pki_types::pem::PemObject;
    let text = std::fs::read(path).ok()?;
    let certificates =
        rustls::pki_types::CertificateDer::pem_slice_iter(&text).collect::<Result<Vec<_>, _>>().ok()?;
    (!certificates.is_empty()).then_some(certificates)
}

/// Comma-separated paths, none empty.
pub fn paths(text: &str) -> Option<Vec<std::path::PathBuf>> {
    let paths: Vec<std::path::PathBuf> = text
        .split(',')
        .map(str::trim)
        .map(|p| non_empty(p).map(std::path::PathBuf::from))
        .collect::<Option<_>>()?;
    (!paths.is_empty()).then_some(paths)
}

/// A size in bytes (`1048576`) or with a unit (`512 KiB`, `5 MiB`), from 1 KiB to 1 GiB.
pub fn byte_size(text: &str) -> Option<u64> {
    let bytes = match text.parse::<u64>() {
        Ok(n) => n,
        Err(_) => text.parse::<bytesize::ByteSize>().ok()?.as_u64(),
    };
    (1024..=1024 * 1024 * 1024).contains(&bytes).then_some(bytes)
}

pub fn schemes(text: &str) -> Option<Vec<Scheme>> {
    let mut out = Vec::new();
    for part in text.split(',').map(str::trim) {
        let scheme = part.parse::<Scheme>().ok()?;
        if !out.contains(&scheme) {
            out.push(scheme);
        }
    }
    (!out.is_empty()).then_some(out)
}

pub fn host_port(text: &str) -> Option<String> {
    let (host, port) = text.rsplit_once(':')?;
    let port_ok = port.parse::<u16>().is_ok_and(|p| p > 0);
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let host_ok = !host.is_empty() && url::Host::parse(host).is_ok();
    (port_ok && host_ok).then(|| text.to_owned())
}

/// Name servers as `ip[:port]` (port 53 when left out; an IPv6 address with a port in
/// brackets), comma-separated; an empty value means the system's.
pub fn dns_servers(text: &str) -> Option<Vec<std::net::SocketAddr>> {
    let mut servers = Vec::new();
    for item in text.split(',').map(str::trim).filter(|item| !item.is_empty()) {
        let server = match item.parse::<std::net::SocketAddr>() {
            Ok(server) => server,
            Err(_) => std::net::SocketAddr::new(item.parse::<std::net::IpAddr>().ok()?, 53),
        };
        if server.port() == 0 {
            return None;
        }
        servers.push(server);
    }
    Some(servers)
}

pub fn log_format(text: &str) -> Option<LogFormat> {
    match text.to_ascii_lowercase().as_str() {
        "pretty" => Some(LogFormat::Pretty),
        "json" => Some(LogFormat::Json),
        _ => None,
    }
}

/// A callback signing key: at least 16 characters, so it cannot be guessed by trying.
pub fn callback_secret(text: &str) -> Option<CallbackSecret> {
    (text.chars().count() >= 16).then(|| CallbackSecret(text.to_owned()))
}

/// An absolute http or https URL with a host.
pub fn public_url(text: &str) -> Option<url::Url> {
    let url = url::Url::parse(text).ok()?;
    (matches!(url.scheme(), "http" | "https") && url.host().is_some()).then_some(url)
}

/// A re-scan interval: a duration of at least a minute (`30d`, `12h`, `2w`), or `off` (`None`).
pub fn rescan_after(text: &str) -> Option<Option<Duration>> {
    crate::rescan_after::RescanAfter::parse(text).map(crate::rescan_after::RescanAfter::interval)
}

/// A token: at least 8 characters, no blanks.
fn token(text: &str) -> Option<String> {
    (text.len() >= 8 && !text.chars().any(char::is_whitespace)).then(|| text.to_owned())
}

/// `token=tenant_uuid` pairs. A token given twice is refused, even for the same tenant: it
/// would stand for whichever pair was read last.
pub fn api_tokens(text: &str) -> Option<ApiTokens> {
    let mut tokens: Vec<(String, Uuid)> = Vec::new();
    for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (secret, tenant) = pair.split_once('=')?;
        let secret = token(secret.trim())?;
        if tokens.iter().any(|(known, _)| *known == secret) {
            return None;
        }
        tokens.push((secret, tenant.trim().parse().ok()?));
    }
    Some(ApiTokens(tokens))
}

/// Where a token list that `parse` refuses goes wrong: the position of its first refused entry
/// (from 1) and how many entries it has, so the message can name the entry without quoting a
/// secret. `None` when `parse` accepts the list.
pub fn refused_entry<T>(text: &str, parse: fn(&str) -> Option<T>) -> Option<(usize, usize)> {
    let entries: Vec<&str> = text.split(',').map(str::trim).filter(|e| !e.is_empty()).collect();
    (1..=entries.len())
        .find(|&n| parse(&entries[..n].join(",")).is_none())
        .map(|position| (position, entries.len()))
}

pub fn admin_tokens(text: &str) -> Option<AdminTokens> {
    let mut tokens = Vec::new();
    for secret in text.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        tokens.push(token(secret)?);
    }
    Some(AdminTokens(tokens))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_url_knows_its_backend_and_never_prints_its_password() {
        let url = DatabaseUrl::parse("postgres://user:hunter2@db.internal/x").unwrap();
        assert_eq!(url.backend(), Backend::Postgres);
        assert_eq!(url.to_string(), "postgres://user:***@db.internal/x");
        assert!(!format!("{url:?}").contains("hunter2"));
        assert!(url.expose().contains("hunter2"), "the driver still gets it");
        assert_eq!(DatabaseUrl::parse("sqlite://a.db?mode=rwc").unwrap().backend(), Backend::Sqlite);
        assert!(DatabaseUrl::parse("mysql://x").is_none());
    }

    #[test]
    fn a_callback_secret_is_long_enough_and_never_printed() {
        assert!(callback_secret("too-short").is_none());
        let secret = callback_secret("a-long-random-signing-key").unwrap();
        assert!(!format!("{secret:?}").contains("random"));
        assert_eq!(secret.expose(), b"a-long-random-signing-key");
    }

    #[test]
    fn the_public_url_is_an_absolute_http_url() {
        assert!(public_url("https://domains.example.com/scheduler").is_some());
        assert!(public_url("ftp://domains.example.com").is_none());
        assert!(public_url("domains.example.com").is_none());
    }

    #[test]
    fn a_token_given_twice_is_refused_whatever_its_tenants() {
        let a = "6f1c2c1e-8c39-4a53-9d4e-2f6b2b5f9a10";
        let b = "7f1c2c1e-8c39-4a53-9d4e-2f6b2b5f9a10";
        assert!(api_tokens(&format!("same-token={a},same-token={b}")).is_none());
        assert!(api_tokens(&format!("same-token={a},same-token={a}")).is_none());
        assert!(api_tokens(&format!("one-token={a},two-token={b}")).is_some());
    }
}
