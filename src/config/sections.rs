//! The settings, grouped by the component that takes them whole: the database, the fetcher,
//! the scheduler, the API and telemetry. Values are valid by construction: only the settings
//! table's parsers write them.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use super::values::{AdminTokens, ApiTokens, CallbackSecret, DatabaseUrl, LogFormat, Scheme};

/// The service's configuration.
#[derive(Clone, Debug)]
pub struct Settings {
    pub database: DatabaseSettings,
    pub fetch: FetchSettings,
    pub scheduler: SchedulerSettings,
    pub api: ApiSettings,
    pub callbacks: CallbackSettings,
    pub telemetry: TelemetrySettings,
    /// Every setting's value as loaded, secrets hidden, with where it came from: what start-up
    /// logs.
    pub effective: Vec<EffectiveSetting>,
    /// `DOMAIN_SCHEDULER_*` variables that no setting reads (a typo, or a setting that was
    /// removed): start-up warns about them.
    pub unknown_variables: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct DatabaseSettings {
    pub url: DatabaseUrl,
    pub max_connections: u32,
    /// PostgreSQL's `statement_timeout`, and the wait for a pooled connection.
    pub statement_timeout: Duration,
}

impl DatabaseSettings {
    /// The default connection settings for `url`; `None` when it is not a database URL.
    pub fn for_url(url: &str) -> Option<DatabaseSettings> {
        let mut settings = super::defaults().ok()?.database;
        settings.url = DatabaseUrl::parse(url)?;
        Some(settings)
    }
}

#[derive(Clone, Debug)]
pub struct FetchSettings {
    /// Whole-request deadline of one fetch.
    pub timeout: Duration,
    /// Body cap, after decompression.
    pub max_bytes: u64,
    pub schemes: Vec<Scheme>,
    pub connect_to: Option<String>,
    pub allow_private_networks: bool,
    pub user_agent: String,
    /// Honour robots.txt for `user_agent`.
    pub respect_robots: bool,
    /// Most requests in flight to one host.
    pub per_host_concurrency: usize,
    /// Most requests in flight to one resolved address (the `connect_to` target counts as one).
    pub per_ip_concurrency: usize,
    /// How names are resolved. With `connect_to` no address is resolved, and the domain's mail
    /// records are asked only of name servers named here.
    pub dns: DnsSettings,
    /// Where the page and error of a failed extraction are saved.
    pub diagnostic_dir: Option<PathBuf>,
    /// The region of phone numbers on pages that give none.
    pub default_phone_region: Option<phonenumber::country::Id>,
    /// Root certificates trusted besides the platform's (`DOMAIN_SCHEDULER_FETCH_EXTRA_ROOTS`).
    pub extra_roots: Vec<rustls::pki_types::CertificateDer<'static>>,
    /// Wappalyzer-format fingerprint files and folders (`DOMAIN_SCHEDULER_TECHNOLOGIES`), read
    /// by the commands that extract.
    pub technologies: Vec<PathBuf>,
    /// Whether the built-in technology rules run (`DOMAIN_SCHEDULER_BUILTIN_TECHNOLOGIES`).
    pub builtin_technologies: bool,
}

impl FetchSettings {
    /// The extraction's options these settings give.
    pub fn extract_options(&self) -> crate::extract::ExtractOptions {
        crate::extract::ExtractOptions { default_phone_region: self.default_phone_region }
    }
}

/// How names are resolved: `DOMAIN_SCHEDULER_DNS_*`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DnsSettings {
    /// Name servers to ask; empty means the system's (`/etc/resolv.conf`).
    pub servers: Vec<SocketAddr>,
    /// How long one query waits for its answer.
    pub timeout: Duration,
    /// How many times a query is sent before the name counts as unanswered.
    pub attempts: usize,
    /// Most answers (positive or negative) kept in the cache.
    pub cache_size: u64,
}

impl Default for DnsSettings {
    fn default() -> DnsSettings {
        DnsSettings { servers: Vec::new(), timeout: Duration::from_secs(2), attempts: 2, cache_size: 10_000 }
    }
}

#[derive(Clone, Debug)]
pub struct SchedulerSettings {
    pub interval: Duration,
    pub batch_size: u32,
    pub max_instances: u32,
    pub fetcher_pool_size: u32,
    pub max_attempts: u32,
    pub retry_base: Duration,
    pub lease: Duration,
    pub restart_max: u32,
    pub restart_window: Duration,
    pub shutdown_timeout: Duration,
    /// How long after its last success a completed domain is scanned again; `None`: never.
    pub rescan_after: Option<Duration>,
}

#[derive(Clone, Debug)]
pub struct ApiSettings {
    pub http_addr: SocketAddr,
    pub tokens: ApiTokens,
    pub admin_tokens: AdminTokens,
    pub max_body_bytes: u64,
    pub max_domains: usize,
    /// Refuse names that may read as another name, on the API and in `add`, instead of
    /// accepting them with a warning.
    pub refuse_confusable: bool,
}

/// Completion callbacks: how they are signed, retried and what their links point at.
#[derive(Clone, Debug)]
pub struct CallbackSettings {
    /// Without it, callbacks are off: a submission naming one is refused.
    pub secret: Option<CallbackSecret>,
    pub max_attempts: u32,
    /// The first retry delay; each further one doubles it, at most an hour.
    pub retry_base: Duration,
    /// The API's base URL as receivers reach it; `None`: the address the API listens on.
    pub public_url: Option<url::Url>,
}

#[derive(Clone, Debug)]
pub struct TelemetrySettings {
    pub log_format: LogFormat,
}

/// Where a setting's value came from, named in lower case (`environment`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, strum::IntoStaticStr)]
#[strum(serialize_all = "lowercase")]
pub enum Source {
    Default,
    File,
    Environment,
    Flag,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// One setting as loaded.
#[derive(Clone, Debug)]
pub struct EffectiveSetting {
    pub key: &'static str,
    /// The value as given, `(hidden)` for a secret, `(none)` when unset.
    pub shown: String,
    pub source: Source,
}

impl Settings {
    /// Every field at a placeholder that the settings table's defaults overwrite before anyone
    /// reads it (a test checks that every default parses).
    pub(super) fn placeholder() -> Settings {
        Settings {
            database: DatabaseSettings {
                url: DatabaseUrl::placeholder(),
                max_connections: 0,
                statement_timeout: Duration::ZERO,
            },
            fetch: FetchSettings {
                timeout: Duration::ZERO,
                max_bytes: 0,
                schemes: Vec::new(),
                connect_to: None,
                allow_private_networks: false,
                user_agent: String::new(),
                respect_robots: false,
                per_host_concurrency: 0,
                per_ip_concurrency: 0,
                dns: DnsSettings::default(),
                diagnostic_dir: None,
                default_phone_region: None,
                extra_roots: Vec::new(),
                technologies: Vec::new(),
                builtin_technologies: true,
            },
            scheduler: SchedulerSettings {
                interval: Duration::ZERO,
                batch_size: 0,
                max_instances: 0,
                fetcher_pool_size: 0,
                max_attempts: 0,
                retry_base: Duration::ZERO,
                lease: Duration::ZERO,
                restart_max: 0,
                restart_window: Duration::ZERO,
                shutdown_timeout: Duration::ZERO,
                rescan_after: None,
            },
            api: ApiSettings {
                http_addr: SocketAddr::from(([0, 0, 0, 0], 0)),
                tokens: ApiTokens::default(),
                admin_tokens: AdminTokens::default(),
                max_body_bytes: 0,
                max_domains: 0,
                refuse_confusable: false,
            },
            callbacks: CallbackSettings {
                secret: None,
                max_attempts: 0,
                retry_base: Duration::ZERO,
                public_url: None,
            },
            telemetry: TelemetrySettings { log_format: LogFormat::Pretty },
            effective: Vec::new(),
            unknown_variables: Vec::new(),
        }
    }
}
