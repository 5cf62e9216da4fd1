//! Typed settings, loaded in one place.
//!
//! Precedence: command-line flag > environment variable > `domain-scheduler.toml` (or
//! `--config F`) > default, layered with figment. Every value, whatever its source, goes through
//! the same parser for its setting, so a bad value is reported the same way everywhere: the
//! setting's name, where the value came from, and what the setting accepts. Start-up refuses an
//! invalid configuration (exit 2) instead of running on a guess.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use uuid::Uuid;

/// The file read from the working directory when no `--config` is given (and it exists).
pub const DEFAULT_CONFIG_FILE: &str = "domain-scheduler.toml";
const ENV_PREFIX: &str = "DOMAIN_SCHEDULER_";
/// Settings whose values are never repeated in an error message.
const SECRET_KEYS: &[&str] = &["api_tokens", "admin_tokens"];

/// One documented setting: its key (toml key, flag `--key-with-dashes`), environment variable,
/// default and what it accepts. The README table and the example file list the same settings.
pub struct SettingDoc {
    pub key: &'static str,
    pub env: &'static str,
    pub default: &'static str,
    pub accepts: &'static str,
    pub meaning: &'static str,
}

/// Every setting of the service, in the order the documentation shows them.
pub const SETTINGS: &[SettingDoc] = &[
    SettingDoc {
        key: "database_url",
        env: "DATABASE_URL",
        default: "sqlite://domain-scheduler.db?mode=rwc",
        accepts: "a sqlite:// or postgres:// URL",
        meaning: "the database; SQLite is embedded, PostgreSQL for production and several instances",
    },
    SettingDoc {
        key: "interval_seconds",
        env: "DOMAIN_SCHEDULER_INTERVAL_SECONDS",
        default: "60",
        accepts: "a whole number of seconds from 1 to 86400",
        meaning: "how long an idle service waits before looking for due domains again",
    },
    SettingDoc {
        key: "interval_minutes",
        env: "DOMAIN_SCHEDULER_INTERVAL_MINUTES",
        default: "(unset)",
        accepts: "a whole number of minutes from 1 to 1440",
        meaning: "the tick period in minutes, for older deployments; `interval_seconds` wins when both are set",
    },
    SettingDoc {
        key: "batch_size",
        env: "DOMAIN_SCHEDULER_BATCH_SIZE",
        default: "10",
        accepts: "a whole number from 1 to 10000",
        meaning: "domains claimed per run",
    },
    SettingDoc {
        key: "max_instances",
        env: "DOMAIN_SCHEDULER_MAX_INSTANCES",
        default: "1",
        accepts: "a whole number from 1 to 64",
        meaning: "runs in flight at once in one process (1 = runs never overlap)",
    },
    SettingDoc {
        key: "fetcher_pool_size",
        env: "DOMAIN_SCHEDULER_FETCHER_POOL_SIZE",
        default: "8",
        accepts: "a whole number from 1 to 1024",
        meaning: "fetcher actors",
    },
    SettingDoc {
        key: "max_attempts",
        env: "DOMAIN_SCHEDULER_MAX_ATTEMPTS",
        default: "3",
        accepts: "a whole number from 1 to 100",
        meaning: "attempts before a domain ends in `error`",
    },
    SettingDoc {
        key: "retry_base_seconds",
        env: "DOMAIN_SCHEDULER_RETRY_BASE_SECONDS",
        default: "60",
        accepts: "a whole number of seconds from 1 to 86400",
        meaning: "first retry delay after a failed attempt; each further attempt doubles it (with jitter, at most 6 hours)",
    },
    SettingDoc {
        key: "lease_seconds",
        env: "DOMAIN_SCHEDULER_LEASE_SECONDS",
        default: "300",
        accepts: "a whole number of seconds from 1 to 86400",
        meaning: "a `processing` claim older than this is taken back by any instance",
    },
    SettingDoc {
        key: "http_addr",
        env: "DOMAIN_SCHEDULER_HTTP_ADDR",
        default: "127.0.0.1:8000",
        accepts: "an IP:PORT socket address",
        meaning: "address of the HTTP API",
    },
    SettingDoc {
        key: "api_max_body_bytes",
        env: "DOMAIN_SCHEDULER_API_MAX_BODY_BYTES",
        default: "1 MiB",
        accepts: "a size such as 1048576 or 1 MiB, from 1 KiB to 1 GiB",
        meaning: "largest request body the API reads (413 beyond)",
    },
    SettingDoc {
        key: "api_max_domains",
        env: "DOMAIN_SCHEDULER_API_MAX_DOMAINS",
        default: "10000",
        accepts: "a whole number from 1 to 1000000",
        meaning: "most domains in one submission (422 beyond)",
    },
    SettingDoc {
        key: "api_tokens",
        env: "DOMAIN_SCHEDULER_API_TOKENS",
        default: "(none)",
        accepts: "comma-separated token=tenant_uuid pairs",
        meaning: "bearer tokens and the tenant each one acts for; with none the API refuses every call but health",
    },
    SettingDoc {
        key: "admin_tokens",
        env: "DOMAIN_SCHEDULER_ADMIN_TOKENS",
        default: "(none)",
        accepts: "comma-separated tokens of at least 8 characters, none of them also in api_tokens",
        meaning: "operator tokens: an admin sees every tenant, and only an admin lists scheduler runs",
    },
    SettingDoc {
        key: "fetch_timeout_seconds",
        env: "DOMAIN_SCHEDULER_FETCH_TIMEOUT_SECONDS",
        default: "20",
        accepts: "a whole number of seconds from 1 to 3600",
        meaning: "whole-request deadline of one fetch",
    },
    SettingDoc {
        key: "fetch_max_bytes",
        env: "DOMAIN_SCHEDULER_FETCH_MAX_BYTES",
        default: "5 MiB",
        accepts: "a size such as 5242880, 512 KiB or 5 MiB, from 1 KiB to 1 GiB",
        meaning: "body cap, counted after decompression",
    },
    SettingDoc {
        key: "fetch_schemes",
        env: "DOMAIN_SCHEDULER_FETCH_SCHEMES",
        default: "https,http",
        accepts: "a comma-separated list of https and http",
        meaning: "schemes tried in order",
    },
    SettingDoc {
        key: "fetch_connect_to",
        env: "DOMAIN_SCHEDULER_FETCH_CONNECT_TO",
        default: "(none)",
        accepts: "HOST:PORT",
        meaning: "every fetch connects there, keeping the domain as Host header and SNI (site farms for tests, benchmarks, staging)",
    },
    SettingDoc {
        key: "allow_private_networks",
        env: "DOMAIN_SCHEDULER_ALLOW_PRIVATE_NETWORKS",
        default: "false",
        accepts: "true or false",
        meaning: "allow fetching domains that resolve or redirect to loopback, private, link-local or other non-public addresses",
    },
    SettingDoc {
        key: "user_agent",
        env: "DOMAIN_SCHEDULER_USER_AGENT",
        default: "domain-scheduler/VERSION (+https://github.com/domain-scheduler/domain-scheduler)",
        accepts: "any non-empty text",
        meaning: "User-Agent header of every fetch",
    },
    SettingDoc {
        key: "respect_robots",
        env: "DOMAIN_SCHEDULER_RESPECT_ROBOTS",
        default: "true",
        accepts: "true or false",
        meaning: "honour robots.txt for the user agent; a disallowed home page ends in `error` (robots_disallowed)",
    },
    SettingDoc {
        key: "per_host_concurrency",
        env: "DOMAIN_SCHEDULER_PER_HOST_CONCURRENCY",
        default: "2",
        accepts: "a whole number from 1 to 64",
        meaning: "most requests in flight to one host at once",
    },
    SettingDoc {
        key: "per_ip_concurrency",
        env: "DOMAIN_SCHEDULER_PER_IP_CONCURRENCY",
        default: "8",
        accepts: "a whole number from 1 to 1024",
        meaning: "most requests in flight to one resolved address at once (many domains on one shared host)",
    },
    SettingDoc {
        key: "diagnostic_dir",
        env: "DOMAIN_SCHEDULER_DIAGNOSTIC_DIR",
        default: "(none)",
        accepts: "a directory path",
        meaning: "when set, the page and error of each failed extraction are saved there",
    },
    SettingDoc {
        key: "log_format",
        env: "DOMAIN_SCHEDULER_LOG_FORMAT",
        default: "pretty",
        accepts: "pretty or json",
        meaning: "`json` writes one JSON object per log line",
    },
    SettingDoc {
        key: "restart_max",
        env: "DOMAIN_SCHEDULER_RESTART_MAX",
        default: "10",
        accepts: "a whole number from 1 to 1000",
        meaning: "restart intensity: actor restarts allowed within `restart_window_seconds` before the service stops",
    },
    SettingDoc {
        key: "restart_window_seconds",
        env: "DOMAIN_SCHEDULER_RESTART_WINDOW_SECONDS",
        default: "60",
        accepts: "a whole number of seconds from 1 to 86400",
        meaning: "restart intensity window",
    },
    SettingDoc {
        key: "shutdown_timeout_seconds",
        env: "DOMAIN_SCHEDULER_SHUTDOWN_TIMEOUT_SECONDS",
        default: "30",
        accepts: "a whole number of seconds from 1 to 3600",
        meaning: "how long in-flight domains may finish after SIGINT/SIGTERM before their leases are handed back",
    },
    SettingDoc {
        key: "db_max_connections",
        env: "DOMAIN_SCHEDULER_DB_MAX_CONNECTIONS",
        default: "10",
        accepts: "a whole number from 1 to 1000",
        meaning: "database connection pool size",
    },
    SettingDoc {
        key: "db_statement_timeout_seconds",
        env: "DOMAIN_SCHEDULER_DB_STATEMENT_TIMEOUT_SECONDS",
        default: "30",
        accepts: "a whole number of seconds from 1 to 3600",
        meaning: "PostgreSQL statement_timeout of every connection, and the wait for a pooled connection",
    },
];

/// The service's configuration, valid by construction.
#[derive(Clone)]
pub struct Settings {
    pub database_url: String,
    pub interval: Duration,
    pub batch_size: u32,
    pub max_instances: u32,
    pub fetcher_pool_size: u32,
    pub max_attempts: u32,
    pub lease: Duration,
    pub retry_base: Duration,
    pub http_addr: SocketAddr,
    pub api_tokens: ApiTokens,
    pub admin_tokens: AdminTokens,
    pub api_max_body_bytes: u64,
    pub api_max_domains: usize,
    pub fetch_timeout: Duration,
    pub fetch_max_bytes: u64,
    pub fetch_schemes: Vec<Scheme>,
    pub fetch_connect_to: Option<String>,
    pub allow_private_networks: bool,
    pub user_agent: String,
    pub respect_robots: bool,
    pub per_host_concurrency: usize,
    pub per_ip_concurrency: usize,
    pub diagnostic_dir: Option<PathBuf>,
    pub log_format: LogFormat,
    pub restart_max: u32,
    pub restart_window: Duration,
    pub shutdown_timeout: Duration,
    pub db_max_connections: u32,
    pub db_statement_timeout: Duration,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("database_url", &redact_url(&self.database_url))
            .field("interval", &self.interval)
            .field("batch_size", &self.batch_size)
            .field("max_instances", &self.max_instances)
            .field("fetcher_pool_size", &self.fetcher_pool_size)
            .field("max_attempts", &self.max_attempts)
            .field("lease", &self.lease)
            .field("http_addr", &self.http_addr)
            .field("api_tokens", &self.api_tokens)
            .field("admin_tokens", &self.admin_tokens)
            .field("fetch_timeout", &self.fetch_timeout)
            .field("fetch_max_bytes", &self.fetch_max_bytes)
            .field("fetch_schemes", &self.fetch_schemes)
            .field("fetch_connect_to", &self.fetch_connect_to)
            .field("allow_private_networks", &self.allow_private_networks)
            .field("user_agent", &self.user_agent)
            .field("diagnostic_dir", &self.diagnostic_dir)
            .field("log_format", &self.log_format)
            .finish_non_exhaustive()
    }
}

/// A URL with its password replaced, for logs.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    Https,
    Http,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Https => "https",
            Scheme::Http => "http",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// Bearer tokens and their tenants. Debug output never shows a token.
#[derive(Clone, Default)]
pub struct ApiTokens(Vec<(String, Uuid)>);

impl ApiTokens {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The tenant of `presented`, comparing against every token in constant time so the answer
    /// time does not tell how much of a token was right.
    pub fn tenant_of(&self, presented: &str) -> Option<Uuid> {
        use subtle::ConstantTimeEq;
        let mut found = None;
        for (token, tenant) in &self.0 {
            let same_len = token.len() == presented.len();
            let equal: bool = token.as_bytes().ct_eq(presented.as_bytes()).into();
            if same_len && equal {
                found = Some(*tenant);
            }
        }
        found
    }
}

impl fmt::Debug for ApiTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiTokens({} tokens)", self.0.len())
    }
}

/// Operator tokens: each sees every tenant. Debug output never shows a token.
#[derive(Clone, Default)]
pub struct AdminTokens(Vec<String>);

impl AdminTokens {
    /// Whether `presented` is one of the tokens, compared in constant time like
    /// [`ApiTokens::tenant_of`].
    pub fn contains(&self, presented: &str) -> bool {
        use subtle::ConstantTimeEq;
        let mut found = false;
        for token in &self.0 {
            let equal: bool = token.as_bytes().ct_eq(presented.as_bytes()).into();
            found |= token.len() == presented.len() && equal;
        }
        found
    }
}

impl fmt::Debug for AdminTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AdminTokens({} tokens)", self.0.len())
    }
}

/// An invalid setting: which one, where its value came from, and what it accepts.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("invalid setting {env} ({source_name}): {value:?} is not accepted; expected {accepts}")]
    Invalid { env: &'static str, source_name: String, value: String, accepts: String },
    #[error("configuration file {path}: {message}")]
    File { path: String, message: String },
    /// Two settings that contradict each other; the message never quotes a secret.
    #[error("invalid setting {env}: {message}")]
    Conflict { env: &'static str, message: String },
}

/// Values given as command-line flags, keyed like the toml file (`batch_size`).
pub type FlagValues = BTreeMap<String, String>;

/// Loads the settings from flags, the environment (`env` lets tests pass their own), the config
/// file and the defaults.
pub fn load(
    config_file: Option<&Path>,
    flags: &FlagValues,
    env: Option<&BTreeMap<String, String>>,
) -> Result<Settings, ConfigError> {
    let mut figment = Figment::new();
    let file = match config_file {
        Some(path) if !path.exists() => {
            return Err(ConfigError::File {
                path: path.display().to_string(),
                message: "no such file".into(),
            });
        }
        Some(path) => Some(path.to_path_buf()),
        None => Some(PathBuf::from(DEFAULT_CONFIG_FILE)).filter(|p| p.exists()),
    };
    if let Some(path) = &file {
        let toml = Toml::file_exact(path);
        if let Err(error) = figment::Provider::data(&toml) {
            return Err(ConfigError::File { path: path.display().to_string(), message: error.to_string() });
        }
        figment = figment.merge(toml);
    }
    figment = match env {
        None => figment.merge(Env::raw().only(&["DATABASE_URL"])).merge(Env::prefixed(ENV_PREFIX)),
        Some(vars) => {
            let mut from_env = BTreeMap::new();
            for (name, value) in vars {
                let key = if name == "DATABASE_URL" {
                    Some("database_url".to_owned())
                } else {
                    name.strip_prefix(ENV_PREFIX).map(str::to_ascii_lowercase)
                };
                if let Some(key) = key {
                    from_env.insert(key, value.clone());
                }
            }
            figment.merge(Serialized::globals(from_env))
        }
    };
    figment = figment.merge(Serialized::globals(flags.clone()));
    Loader { figment, flags }.settings()
}

struct Loader<'a> {
    figment: Figment,
    flags: &'a FlagValues,
}

impl Loader<'_> {
    fn settings(&self) -> Result<Settings, ConfigError> {
        let interval = match (
            self.get("interval_seconds", seconds(1, 86_400))?,
            self.get("interval_minutes", whole(1, 1_440))?,
        ) {
            (Some(seconds), _) => seconds,
            (None, Some(minutes)) => Duration::from_secs(minutes * 60),
            (None, None) => Duration::from_secs(60),
        };
        Ok(Settings {
            database_url: self
                .get("database_url", database_url)?
                .unwrap_or_else(|| SETTINGS[0].default.to_owned()),
            interval,
            batch_size: self.get("batch_size", whole(1, 10_000))?.unwrap_or(10) as u32,
            max_instances: self.get("max_instances", whole(1, 64))?.unwrap_or(1) as u32,
            fetcher_pool_size: self.get("fetcher_pool_size", whole(1, 1024))?.unwrap_or(8) as u32,
            max_attempts: self.get("max_attempts", whole(1, 100))?.unwrap_or(3) as u32,
            lease: self.get("lease_seconds", seconds(1, 86_400))?.unwrap_or(Duration::from_secs(300)),
            retry_base: self
                .get("retry_base_seconds", seconds(1, 86_400))?
                .unwrap_or(Duration::from_secs(60)),
            http_addr: self
                .get("http_addr", socket_addr)?
                .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8000))),
            api_tokens: self.get("api_tokens", api_tokens)?.unwrap_or_default(),
            admin_tokens: self.admin_tokens()?,
            api_max_body_bytes: self.get("api_max_body_bytes", byte_size)?.unwrap_or(1024 * 1024),
            api_max_domains: self.get("api_max_domains", whole(1, 1_000_000))?.unwrap_or(10_000) as usize,
            fetch_timeout: self
                .get("fetch_timeout_seconds", seconds(1, 3600))?
                .unwrap_or(Duration::from_secs(20)),
            fetch_max_bytes: self.get("fetch_max_bytes", byte_size)?.unwrap_or(5 * 1024 * 1024),
            fetch_schemes: self
                .get("fetch_schemes", schemes)?
                .unwrap_or_else(|| vec![Scheme::Https, Scheme::Http]),
            fetch_connect_to: self.get("fetch_connect_to", host_port)?,
            allow_private_networks: self.get("allow_private_networks", boolean)?.unwrap_or(false),
            user_agent: self.get("user_agent", non_empty)?.unwrap_or_else(default_user_agent),
            respect_robots: self.get("respect_robots", boolean)?.unwrap_or(true),
            per_host_concurrency: self.get("per_host_concurrency", whole(1, 64))?.unwrap_or(2) as usize,
            per_ip_concurrency: self.get("per_ip_concurrency", whole(1, 1024))?.unwrap_or(8) as usize,
            diagnostic_dir: self.get("diagnostic_dir", |s| non_empty(s).map(PathBuf::from))?,
            log_format: self.get("log_format", log_format)?.unwrap_or(LogFormat::Pretty),
            restart_max: self.get("restart_max", whole(1, 1000))?.unwrap_or(10) as u32,
            restart_window: self
                .get("restart_window_seconds", seconds(1, 86_400))?
                .unwrap_or(Duration::from_secs(60)),
            shutdown_timeout: self
                .get("shutdown_timeout_seconds", seconds(1, 3600))?
                .unwrap_or(Duration::from_secs(30)),
            db_max_connections: self.get("db_max_connections", whole(1, 1000))?.unwrap_or(10) as u32,
            db_statement_timeout: self
                .get("db_statement_timeout_seconds", seconds(1, 3600))?
                .unwrap_or(Duration::from_secs(30)),
        })
    }

    /// The value of setting `key` from the highest-precedence source that has it, parsed by
    /// `parse`; `None` when no source sets it.
    fn get<T>(&self, key: &'static str, parse: impl Fn(&str) -> Option<T>) -> Result<Option<T>, ConfigError> {
        let Ok(value) = self.figment.find_value(key) else {
            return Ok(None);
        };
        let text = scalar_text(&value);
        let doc = SETTINGS.iter().find(|doc| doc.key == key).expect("every key is documented");
        parse(text.trim()).map(Some).ok_or_else(|| ConfigError::Invalid {
            env: doc.env,
            source_name: self.source_of(key),
            value: if SECRET_KEYS.contains(&key) { "(the value is secret)".to_owned() } else { text.clone() },
            accepts: doc.accepts.to_owned(),
        })
    }

    /// Admin tokens, refused when one of them is also a tenant's token: such a token would act
    /// for one tenant in one place and for all of them in another.
    fn admin_tokens(&self) -> Result<AdminTokens, ConfigError> {
        let admins = self.get("admin_tokens", admin_tokens)?.unwrap_or_default();
        let tenants = self.get("api_tokens", api_tokens)?.unwrap_or_default();
        if let Some(position) = admins.0.iter().position(|token| tenants.tenant_of(token).is_some()) {
            return Err(ConfigError::Conflict {
                env: "DOMAIN_SCHEDULER_ADMIN_TOKENS",
                message: format!(
                    "token {} of {} is also in DOMAIN_SCHEDULER_API_TOKENS; a token is an admin's or one tenant's, never both",
                    position + 1,
                    admins.0.len()
                ),
            });
        }
        Ok(admins)
    }

    fn source_of(&self, key: &str) -> String {
        if self.flags.contains_key(key) {
            return format!("from flag --{}", key.replace('_', "-"));
        }
        match self.figment.find_metadata(key).and_then(|metadata| metadata.source.as_ref()) {
            Some(figment::Source::File(path)) => format!("from {} key `{key}`", path.display()),
            _ => "from the environment".to_owned(),
        }
    }
}

/// A figment value as text: scalars as written, arrays joined by commas, tables as `k=v` pairs,
/// so `fetch_schemes = ["https", "http"]` and `"https,http"` mean the same.
fn scalar_text(value: &figment::value::Value) -> String {
    fn text(json: &serde_json::Value) -> String {
        match json {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Array(items) => items.iter().map(text).collect::<Vec<_>>().join(","),
            serde_json::Value::Object(map) => {
                map.iter().map(|(k, v)| format!("{k}={}", text(v))).collect::<Vec<_>>().join(",")
            }
            other => other.to_string(),
        }
    }
    serde_json::to_value(value).map(|json| text(&json)).unwrap_or_default()
}

pub fn default_user_agent() -> String {
    format!(
        "domain-scheduler/{} (+https://github.com/domain-scheduler/domain-scheduler)",
        env!("CARGO_PKG_VERSION")
    )
}

fn whole(min: u64, max: u64) -> impl Fn(&str) -> Option<u64> {
    move |s| s.parse::<u64>().ok().filter(|n| (min..=max).contains(n))
}

fn seconds(min: u64, max: u64) -> impl Fn(&str) -> Option<Duration> {
    move |s| whole(min, max)(s).map(Duration::from_secs)
}

fn boolean(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_owned())
}

fn database_url(s: &str) -> Option<String> {
    let known = ["sqlite:", "postgres://", "postgresql://"];
    known.iter().any(|prefix| s.starts_with(prefix)).then(|| s.to_owned())
}

fn socket_addr(s: &str) -> Option<SocketAddr> {
    s.parse().ok()
}

fn byte_size(s: &str) -> Option<u64> {
    let bytes = match s.parse::<u64>() {
        Ok(n) => n,
        Err(_) => s.parse::<bytesize::ByteSize>().ok()?.as_u64(),
    };
    (1024..=1024 * 1024 * 1024).contains(&bytes).then_some(bytes)
}

fn schemes(s: &str) -> Option<Vec<Scheme>> {
    let mut out = Vec::new();
    for part in s.split(',').map(str::trim) {
        let scheme = match part.to_ascii_lowercase().as_str() {
            "https" => Scheme::Https,
            "http" => Scheme::Http,
            _ => return None,
        };
        if !out.contains(&scheme) {
            out.push(scheme);
        }
    }
    (!out.is_empty()).then_some(out)
}

fn host_port(s: &str) -> Option<String> {
    let (host, port) = s.rsplit_once(':')?;
    let port_ok = port.parse::<u16>().is_ok_and(|p| p > 0);
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let host_ok = !host.is_empty() && url::Host::parse(host).is_ok();
    (port_ok && host_ok).then(|| s.to_owned())
}

fn log_format(s: &str) -> Option<LogFormat> {
    match s.to_ascii_lowercase().as_str() {
        "pretty" => Some(LogFormat::Pretty),
        "json" => Some(LogFormat::Json),
        _ => None,
    }
}

fn api_tokens(s: &str) -> Option<ApiTokens> {
    let mut tokens = Vec::new();
    for pair in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (token, tenant) = pair.split_once('=')?;
        let token = token.trim();
        if token.len() < 8 || token.chars().any(char::is_whitespace) {
            return None;
        }
        tokens.push((token.to_owned(), tenant.trim().parse().ok()?));
    }
    Some(ApiTokens(tokens))
}

fn admin_tokens(s: &str) -> Option<AdminTokens> {
    let mut tokens = Vec::new();
    for token in s.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        if token.len() < 8 || token.chars().any(char::is_whitespace) {
            return None;
        }
        tokens.push(token.to_owned());
    }
    Some(AdminTokens(tokens))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn load_env(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        load(None, &FlagValues::new(), Some(&env(pairs)))
    }

    #[test]
    fn nothing_set_gives_the_documented_defaults() {
        let s = load_env(&[]).unwrap();
        assert_eq!(s.database_url, "sqlite://domain-scheduler.db?mode=rwc");
        assert_eq!(s.interval, Duration::from_secs(60));
        assert_eq!((s.batch_size, s.max_instances, s.fetcher_pool_size, s.max_attempts), (10, 1, 8, 3));
        assert_eq!(s.lease, Duration::from_secs(300));
        assert_eq!(s.fetch_max_bytes, 5 * 1024 * 1024);
        assert_eq!(s.fetch_schemes, vec![Scheme::Https, Scheme::Http]);
        assert!(s.api_tokens.is_empty());
        assert!(!s.allow_private_networks);
        assert!(s.user_agent.starts_with("domain-scheduler/"));
    }

    #[test]
    fn a_flag_beats_the_environment_which_beats_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(&file, "batch_size = 5\nmax_attempts = 7\nfetcher_pool_size = 2\n").unwrap();
        let flags = FlagValues::from([("batch_size".to_owned(), "9".to_owned())]);
        let vars = env(&[("DOMAIN_SCHEDULER_BATCH_SIZE", "6"), ("DOMAIN_SCHEDULER_MAX_ATTEMPTS", "8")]);
        let s = load(Some(&file), &flags, Some(&vars)).unwrap();
        assert_eq!(s.batch_size, 9);
        assert_eq!(s.max_attempts, 8);
        assert_eq!(s.fetcher_pool_size, 2);
    }

    #[test]
    fn interval_minutes_still_works_and_seconds_win() {
        assert_eq!(
            load_env(&[("DOMAIN_SCHEDULER_INTERVAL_MINUTES", "2")]).unwrap().interval,
            Duration::from_secs(120)
        );
        let both = load_env(&[
            ("DOMAIN_SCHEDULER_INTERVAL_MINUTES", "2"),
            ("DOMAIN_SCHEDULER_INTERVAL_SECONDS", "5"),
        ]);
        assert_eq!(both.unwrap().interval, Duration::from_secs(5));
    }

    #[test]
    fn a_bad_value_names_the_setting_and_what_it_accepts() {
        let error = load_env(&[("DOMAIN_SCHEDULER_BATCH_SIZE", "lots")]).err().unwrap().to_string();
        assert!(error.contains("DOMAIN_SCHEDULER_BATCH_SIZE"), "{error}");
        assert!(error.contains("from 1 to 10000"), "{error}");
        let error =
            load_env(&[("DOMAIN_SCHEDULER_FETCH_SCHEMES", "https,gopher")]).err().unwrap().to_string();
        assert!(error.contains("DOMAIN_SCHEDULER_FETCH_SCHEMES"), "{error}");
        let error = load_env(&[("DATABASE_URL", "mysql://x")]).err().unwrap().to_string();
        assert!(error.contains("DATABASE_URL"), "{error}");
        for (var, value) in [
            ("DOMAIN_SCHEDULER_BATCH_SIZE", "0"),
            ("DOMAIN_SCHEDULER_HTTP_ADDR", "nowhere"),
            ("DOMAIN_SCHEDULER_FETCH_CONNECT_TO", "127.0.0.1"),
            ("DOMAIN_SCHEDULER_ALLOW_PRIVATE_NETWORKS", "maybe"),
            ("DOMAIN_SCHEDULER_API_TOKENS", "secret-token=not-a-uuid"),
            ("DOMAIN_SCHEDULER_FETCH_MAX_BYTES", "12 parsecs"),
            ("DOMAIN_SCHEDULER_LOG_FORMAT", "xml"),
        ] {
            let error = load_env(&[(var, value)]).err().unwrap_or_else(|| panic!("{var}={value} accepted"));
            assert!(error.to_string().contains(var), "{error}");
        }
    }

    #[test]
    fn a_bad_value_in_the_file_names_the_file_and_key() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(&file, "lease_seconds = -4\n").unwrap();
        let error = load(Some(&file), &FlagValues::new(), Some(&env(&[]))).err().unwrap().to_string();
        assert!(error.contains("lease_seconds") && error.contains("c.toml"), "{error}");
        std::fs::write(&file, "lease_seconds = [\n").unwrap();
        let error = load(Some(&file), &FlagValues::new(), Some(&env(&[]))).err().unwrap().to_string();
        assert!(error.contains("c.toml"), "{error}");
    }

    #[test]
    fn sizes_lists_and_tokens_are_parsed() {
        let tenant = "6f1c2c1e-8c39-4a53-9d4e-2f6b2b5f9a10";
        let s = load_env(&[
            ("DOMAIN_SCHEDULER_FETCH_MAX_BYTES", "512 KiB"),
            ("DOMAIN_SCHEDULER_FETCH_SCHEMES", "http"),
            ("DOMAIN_SCHEDULER_API_TOKENS", &format!("first-token={tenant}, second-token={tenant}")),
        ])
        .unwrap();
        assert_eq!(s.fetch_max_bytes, 512 * 1024);
        assert_eq!(s.fetch_schemes, vec![Scheme::Http]);
        assert_eq!(s.api_tokens.tenant_of("second-token"), Some(tenant.parse().unwrap()));
        assert_eq!(s.api_tokens.tenant_of("second-toke"), None);
        assert!(!format!("{s:?}").contains("first-token"));
    }

    #[test]
    fn admin_tokens_are_recognised_and_never_printed() {
        let s = load_env(&[("DOMAIN_SCHEDULER_ADMIN_TOKENS", "operator-one, operator-two")]).unwrap();
        assert!(s.admin_tokens.contains("operator-two"));
        assert!(!s.admin_tokens.contains("operator-tw"));
        assert!(!format!("{s:?}").contains("operator-one"));
    }

    #[test]
    fn a_short_admin_token_is_refused_without_being_echoed() {
        let error = load_env(&[("DOMAIN_SCHEDULER_ADMIN_TOKENS", "opsecret")]).map(|_| ());
        assert!(error.is_ok(), "8 characters is enough");
        let error = load_env(&[("DOMAIN_SCHEDULER_ADMIN_TOKENS", "short1")]).err().unwrap().to_string();
        assert!(error.contains("DOMAIN_SCHEDULER_ADMIN_TOKENS") && error.contains("at least 8"), "{error}");
        assert!(!error.contains("short1"), "{error}");
    }

    #[test]
    fn a_token_both_admin_and_tenant_is_refused_without_being_echoed() {
        let error = load_env(&[
            ("DOMAIN_SCHEDULER_ADMIN_TOKENS", "operator-one,shared-token"),
            ("DOMAIN_SCHEDULER_API_TOKENS", "shared-token=6f1c2c1e-8c39-4a53-9d4e-2f6b2b5f9a10"),
        ])
        .err()
        .unwrap()
        .to_string();
        assert!(error.contains("DOMAIN_SCHEDULER_ADMIN_TOKENS") && error.contains("token 2 of 2"), "{error}");
        assert!(!error.contains("shared-token"), "{error}");
    }

    #[test]
    fn passwords_are_redacted_from_database_urls() {
        assert_eq!(redact_url("postgres://u:hunter2@db/x"), "postgres://u:***@db/x");
    }

    #[test]
    fn every_setting_is_documented_in_the_readme_and_the_example_file() {
        let readme = include_str!("../README.md");
        let example = include_str!("../domain-scheduler.example.toml");
        for doc in SETTINGS {
            assert!(readme.contains(&format!("`{}`", doc.env)), "README lacks {}", doc.env);
            assert!(example.contains(&format!("# {} = ", doc.key)), "example file lacks {}", doc.key);
        }
    }

    #[test]
    fn the_example_file_uncommented_is_a_valid_configuration() {
        let example = include_str!("../domain-scheduler.example.toml");
        let settings: String = example
            .lines()
            .filter_map(|line| line.strip_prefix("# "))
            .filter(|line| {
                line.split_once(" = ").is_some_and(|(key, _)| SETTINGS.iter().any(|d| d.key == key))
            })
            .map(|line| format!("{line}\n"))
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("domain-scheduler.toml");
        std::fs::write(&file, settings).unwrap();
        let loaded = load(Some(&file), &FlagValues::new(), Some(&env(&[]))).unwrap();
        assert_eq!(loaded.fetch_connect_to.as_deref(), Some("127.0.0.1:8080"));
        assert_eq!(loaded.interval, Duration::from_secs(60));
    }
}
