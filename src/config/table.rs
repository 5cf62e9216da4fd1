//! The settings table: the one place a setting is declared. Each entry carries its key (the
//! toml key, and the flag `--key-with-dashes`), its environment variable, its default as text,
//! what it accepts, what it means, and the parser that stores it into [`Settings`]. The
//! defaults go through the same parsers as any value, the flags are generated from the table,
//! and the README and the example file are checked against it.

use std::path::PathBuf;
use std::time::Duration;

use super::sections::Settings;
use super::values::*;

/// One setting.
pub struct Setting {
    pub key: &'static str,
    pub env: &'static str,
    /// The default as a value would be written, or `None` when unset by default. `VERSION`
    /// stands for the service's version.
    pub default: Option<&'static str>,
    pub accepts: &'static str,
    pub meaning: &'static str,
    /// Never repeated in a message or a log.
    pub secret: bool,
    /// An older spelling: ignored when this other setting is given.
    pub yields_to: Option<&'static str>,
    /// Parses a value and stores it; `None` when the value is not accepted.
    pub apply: fn(&mut Settings, &str) -> Option<()>,
}

impl Setting {
    /// The command-line flag.
    pub fn flag(&self) -> String {
        format!("--{}", self.key.replace('_', "-"))
    }

    /// The default as documented.
    pub fn default_shown(&self) -> &'static str {
        self.default.unwrap_or("(none)")
    }
}

/// Every setting of the service, in the order the documentation shows them.
pub const SETTINGS: &[Setting] = &[
    Setting {
        key: "database_url",
        env: "DATABASE_URL",
        default: Some("sqlite://domain-scheduler.db?mode=rwc"),
        accepts: "a sqlite:// or postgres:// URL",
        meaning: "the database; SQLite is embedded, PostgreSQL for production and several instances",
        secret: false,
        yields_to: None,
        apply: |s, v| {
            s.database.url = DatabaseUrl::parse(v)?;
            Some(())
        },
    },
    Setting {
        key: "interval_seconds",
        env: "DOMAIN_SCHEDULER_INTERVAL_SECONDS",
        default: Some("60"),
        accepts: "a whole number of seconds from 1 to 86400",
        meaning: "how long an idle service waits before looking for due domains again",
        secret: false,
        yields_to: None,
        apply: |s, v| {
            s.scheduler.interval = seconds(v, 1, 86_400)?;
            Some(())
        },
    },
    Setting {
        key: "interval_minutes",
        env: "DOMAIN_SCHEDULER_INTERVAL_MINUTES",
        default: None,
        accepts: "a whole number of minutes from 1 to 1440",
        meaning: "the tick period in minutes, for older deployments; `interval_seconds` wins when both are set",
        secret: false,
        yields_to: Some("interval_seconds"),
        apply: |s, v| {
            s.scheduler.interval = Duration::from_secs(whole(v, 1, 1_440)? * 60);
            Some(())
        },
    },
    Setting {
        key: "batch_size",
        env: "DOMAIN_SCHEDULER_BATCH_SIZE",
        default: Some("100"),
        accepts: "a whole number from 1 to 10000",
        meaning: "the largest single claim: a run claims again as fetchers free up, holding at most two domains per fetcher; 100 keeps database round trips few without claiming far ahead of the pool",
        secret: false,
        yields_to: None,
        apply: |s, v| {
            s.scheduler.batch_size = u32::try_from(whole(v, 1, 10_000)?).ok()?;
            Some(())
        },
    },
    Setting {
        key: "max_instances",
        env: "DOMAIN_SCHEDULER_MAX_INSTANCES",
        default: Some("1"),
        accepts: "a whole number from 1 to 64",
        meaning: "runs claiming at once in one process; a run that has stopped claiming and only waits for its last pages does not count",
        secret: false,
        yields_to: None,
        apply: |s, v| {
            s.scheduler.max_instances = u32::try_from(whole(v, 1, 64)?).ok()?;
            Some(())
        },
    },
    Setting {
        key: "fetcher_pool_size",
        env: "DOMAIN_SCHEDULER_FETCHER_POOL_SIZE",
        default: Some("64"),
        accepts: "a whole number from 1 to 1024",
        meaning: "fetcher actors, each fetching one domain at a time; a page takes 0.2-3 s to arrive from the internet and about 1.5 ms of CPU, so 64 keep two cores busy within about two descriptors each",
        secret: false,
        yields_to: None,
        apply: |s, v| {
            s.scheduler.fetcher_pool_size = u32::try_from(whole(v, 1, 1024)?).ok()?;
            Some(())
        },
    },
    Setting {
        key: "max_attempts",
        env: "DOMAIN_SCHEDULER_MAX_ATTEMPTS",
        default: Some("3"),
        accepts: "a whole number from 1 to 100",
        meaning: "attempts before a domain ends in `error`",
        secret: false,
        yields_to: None,
        apply: |s, v| {
            s.scheduler.max_attempts = u32::try_from(whole(v, 1, 100)?).ok()?;
            Some(())
        },
    },
    Setting {
        key: "retry_base_seconds",
        env: "DOMAIN_SCHEDULER_RETRY_BASE_SECONDS",
        default: Some("60"),
        accepts: "a whole number of seconds from 1 to 86400",
        meaning: "first retry delay after a failed attempt; each further attempt doubles it (with jitter, at most 6 hours)",
        secret: false,
        yields_to: None,
        apply: |s, v| {
            s.scheduler.retry_base = seconds(v, 1, 86_400)?;
            Some(())
        },
    },
    Setting {
        key: "lease_seconds",
        env: "DOMAIN_SCHEDULER_LEASE_SECONDS",
        default: Some("300"),
        accepts: "a whole number of seconds from 1 to 86400",
        meaning: "a `processing` claim older than this is taken back by any instance",
        secret: false,
        yields_to: None,
        apply: |s, v| {
            s.scheduler.lease = seconds(v, 1, 86_400)?;
            Some(())
        },
    },
    Setting {
        key: "rescan_after",
        env: "DOMAIN_SCHEDULER_RESCAN_AFTER",
        default: Some("30d"),
        accepts: "a duration such as 30d, 12h or 2w (at least 1m), or off",
        meaning: "a completed domain is scanned again this long after its last success; a submission may set its own",
        secret: false,
        yields_to: None,
        apply: |s, v| {
            s.scheduler.rescan_after = rescan_after(v)?;
            Some(())
        },
    },
    Setting {
        key: "http_addr",
        env: "DOMAIN_SCHEDULER_HTTP_ADDR",
        default: Some("127.0.0.1:8000"),
        accepts: "an IP:PORT socket address",
        meaning: "address of the HTTP API",
        secret: false,
        yields_to: None,
        apply: |s, v| {
            s.api.http_addr = v.parse().ok()?;
            Some(())
        },
    },
    Setting {
        key: "api_max_body_bytes",
        env: "DOMAIN_SCHEDULER_API_MAX_BODY_BYTES",
        default: Some("1 MiB"),
        accepts: "a size such as 1048576 or 1 MiB, from 1 KiB to 1 GiB",
        meaning: "largest request body the API reads (413 beyond)",
        secret: false,
        yields_to: None,
        apply: |s, v| {
            s.api.max_body_bytes = byte_size(v)?;
            Some(())
        },
    },
    Setting {
        key: "api_max_domains",
        env: "DOMAIN_SCHEDULER_API_MAX_DOMAINS",
        default: Some("10000"),
        accepts: "a whole number from 1 to 1000000",
        meaning: "most domains in one submission (422 beyond)",
        secret: false,
        yields_to: None,
        apply: |s, v| {
            s.api.max_domains = usize::try_from(whole(v, 1, 1_000_000)?).ok()?;
            Some(())
        },
    },
    Setting {
        key: "refuse_confusable",
        env: "DOMAIN_SCHEDULER_REFUSE_CONFUSABLE",
        default: Some("false"),
        accepts: "true or false",
        meaning: "refuse names that may read as another name (UTS #39 mixed-script or whole-script confusables such as a Cyrillic а in apple.com) instead of accepting them with a warning",
        secret: false,
        yields_to: None,
        apply: |s, v| {
            s.api.refuse_confusable = boolean(v)?;
            Some(())
        },
    },
    Setting {
        key: "api_tokens",
        env: "DOMAIN_SCHEDULER_API_TOKENS",
        default: None,
        accepts: "comma-separated token=tenant_uuid pairs, each token at least 8 characters without blanks and given once",
        meaning: "bearer tokens and the tenant each one acts for; with none the API refuses every call but health",
        secret: true,
        yields_to: None,
        apply: |s, v| {
            s.api.tokens = api_tokens(v)?;
            Some(())
        },
    },
    Setting {
        key: "admin_tokens",
        env: "DOMAIN_SCHEDULER_ADMIN_TOKENS",
        default: None,
        accepts: "comma-separated tokens of at least 8 characters, none of them also in api_tokens",
        meaning: "operator tokens: an admin sees every tenant, and only an admin lists scheduler runs",
        secret: true,
        yields_to: None,
        apply: |s, v| {
            s.api.admin_tokens = admin_tokens(v)?;
            Some(())
        },
    },
    Setting {
        key: "fetch_timeout_seconds",
        env: "DOMAIN_SCHEDULER_FETCH_TIMEOUT_SECONDS",
        default: Some("20"),
        accepts: "a whole number of seconds from 1 to 3600",
        meaning: "whole-request deadline of one fetch",
        secret: false,
        yields_to: None,
        apply: |s, v| {
            s.fetch.timeout = seconds(v, 1, 3600)?;
            Some(())
        },
    },
    Setting {
        key: "fetch_max_bytes",
        env: "DOMAIN_SCHEDULER_FETCH_MAX_BYTES",
        default: Some("5 MiB"),
        accepts: "a size such as 5242880, 512 KiB or 5 MiB, from 1 KiB to 1 GiB",
        meaning: "body cap, counted after decompression",
        secret: false,
        yields_to: None,
        apply: |s, v| {
            s.fetch.max_bytes = byte_size(v)?;
            Some(())
        },
    },
    Setting {
        key: "fetch_schemes",
        env: "DOMAIN_SCHEDULER_FETCH_SCHEMES",
        default: Some("https,http"),
        accepts: "a comma-separated list of https and http",
        meaning: "schemes tried in order",
        secret: false,
        yields_to: None,
        apply: |s, v| {
            s.fetch.schemes = schemes(v)?;
            Some(())
        },
    },
    Setting {
        key: "fetch_connect_to",
        env: "DOMAIN_SCHEDULER_FETCH_CONNECT_TO",
        default: None,
        accepts: "HOST:PORT",
        meaning: "every fetch connects there, keeping the domain as Host header and SNI (site farms for tests, benchmarks, staging)",
        secret: false,
        yields_to: None,
        apply: |s, v| {
            s.fetch.connect_to = Some(host_port(v)?);
            Some(())
        },
    },
    Setting {
        key: "fetch_extra_roots",
        env: "DOMAIN_SCHEDULER_FETCH_EXTRA_ROOTS",
        default: None,
        accepts: "a readable PEM file holding at least one certificate",
        meaning: "root certificates trusted besides the platform's when fetching (a corporate TLS proxy's CA, an internal CA); read at start-up",
        secret: false,
        yields_to: None,
        apply: |s, v| {
            s.fetch.extra_roots = pem_certificates(v)?;
            Some(())
        },
    },
    Setting {
        key: "dns_servers",
        env: "DOMAIN_SCHEDULER_DNS_SERVERS",
        default: None,
        accepts: "comma-separated name servers as ip or ip:port ([v6]:port)",
        meaning: "name servers the service asks for each domain's address and mail records (MX, SPF, DMARC); unset: the system's (/etc/resolv.conf), except under fetch_connect_to, where no name server is asked unless named here",
        secret: false,
        yields_to: None,
        apply: |s, v| {
            s.fetch.dns.servers = dns_servers(v)?;
            Some(())
        },
    },
    Setting {
        key: "dns_timeout_ms",
        env: "DOMAIN_SCHEDULER_DNS_TIMEOUT_MS",
        default: Some("2000"),
        accepts: "a whole number of milliseconds from 100 to 60000",
        meaning: "how long one DNS query waits for its answer",
        secret: false,
        yields_to: None,
        apply: |s, v| {
            s.fetch.dns.timeout = Duration::from_millis(whole(v, 100, 60_000)?);
            Some(())
        },
    },
    Setting {
        key: "dns_attempts",
        env: "DOMAIN_SCHEDULER_DNS_ATTEMPTS",
        default: Some("2"),
        accepts: "a whole number from 1 to 10",
        meaning: "times a DNS query is sent before the name counts as unanswered (dns_timeout); a look-up takes at most dns_timeout_ms × dns_attempts",
        secret: false,
        yields_to: None,
        apply: |s, v| {
            s.fetch.dns.attempts = usize::try_from(whole(v, 1, 10)?).ok()?;
            Some(())
        },
    },
    Setting {
        key: "dns_cache_size",
        env: "DOMAIN_SCHEDULER_DNS_CACHE_SIZE",
        default: Some("10000"),
        accepts: "a whole number from 0 to 10000000",
        meaning: "DNS answers (and negative answers) kept, each for its TTL within 30 s to 1 h",
        secret: false,
        yields_to: None,
        apply: |s, v| {
            s.fetch.dns.cache_size = whole(v, 0, 10_000_000)?;
            Some(())
        },
    },
    Setting {
        key: "allow_private_networks",
        env: "DOMAIN_SCHEDULER_ALLOW_PRIVATE_NETWORKS",
        default: Some("false"),
        accepts: "true or false",
        meaning: "allow fetching domains that resolve or redirect to loopback, private, link-local or other non-public addresses",
        secret: false,
        yields_to: None,
        apply: |s, v| {
            s.fetch.allow_private_networks = boolean(v)?;
            Some(())
        },
    },
    Setting {
        key: "user_agent",
        env: "DOMAIN_SCHEDULER_USER_AGENT",
        default: Some("domain-scheduler/VERSION (+https://github.com/domain-scheduler/domain-scheduler)"),
        accepts: "any non-empty text",
        meaning: "User-Agent header of every fetch",
        secret: false,
        yields_to: None,
        apply: |s, v| {
            s.fetch.user_agent = non_empty(v)?;
            Some(())
        },
    },
    Setting {
        key: "respect_robots",
        env: "DOMAIN_SCHEDULER_RESPECT_ROBOTS",
        default: Some("true"),
        accepts: "true or false",
        meaning: "honour robots.txt for the user agent; a disallowed home page ends in `error` (robots_disallowed)",
        secret: false,
        yields_to: None,
        apply: |s, v| {
            s.fetch.respect_robots = boolean(v)?;
            Some(())
        },
    },
    Setting {
        key: "per_host_concurrency",
        env: "DOMAIN_SCHEDULER_PER_HOST_CONCURRENCY",
        default: Some("2"),
        accepts: "a whole number from 1 to 64",
        meaning: "most requests in flight to one host at once",
        secret: false,
        yields_to: None,
        apply: |s, v| {
            s.fetch.per_host_concurrency = usize::try_from(whole(v, 1, 64)?).ok()?;
            Some(())
        },
    },
    Setting {
        key: "per_ip_concurrency",
        env: "DOMAIN_SCHEDULER_PER_IP_CONCURRENCY",
        default: Some("8"),
        accepts: "a whole number from 1 to 1024",
        meaning: "most requests in flight to one resolved address at once (many domains on one shared host)",
        secret: false,
        yields_to: None,
        apply: |s, v| {
            s.fetch.per_ip_concurrency = usize::try_from(whole(v, 1, 1024)?).ok()?;
            Some(())
        },
    },
    Setting {
        key: "diagnostic_dir",
        env: "DOMAIN_SCHEDULER_DIAGNOSTIC_DIR",
        default: None,
        accepts: "a directory path",
        meaning: "when set, the page and error of each failed extraction are saved there",
        secret: false,
        yields_to: None,
        apply: |s, v| {
            s.fetch.diagnostic_dir = Some(PathBuf::from(non_empty(v)?));
            Some(())
        },
    },
    Setting {
        key: "default_phone_region",
        env: "DOMAIN_SCHEDULER_DEFAULT_PHONE_REGION",
        default: None,
        accepts: "an ISO 3166 country code such as US or GB",
        meaning: "the region of phone numbers written without a country code on pages that give no region of their own (no country domain, no region in their language)",
        secret: false,
        yields_to: None,
        apply: |s, v| {
            s.fetch.default_phone_region = Some(crate::extract::phone_region(v)?);
            Some(())
        },
    },
    Setting {
        key: "technologies",
        env: "DOMAIN_SCHEDULER_TECHNOLOGIES",
        default: None,
        accepts: "comma-separated paths of Wappalyzer-format files or folders (technologies/*.json or technologies.json, with categories.json)",
        meaning: "technology fingerprints matched beside the built-in rules, read at start-up by serve, run-once and extract (docs/technologies.md says where to get them)",
        secret: false,
        yields_to: None,
        apply: |s, v| {
            s.fetch.technologies = paths(v)?;
            Some(())
        },
    },
    Setting {
        key: "builtin_technologies",
        env: "DOMAIN_SCHEDULER_BUILTIN_TECHNOLOGIES",
        default: Some("true"),
        accepts: "true or false",
        meaning: "match the project's own technology rules; false leaves only the files of `technologies`",
        secret: false,
        yields_to: None,
        apply: |s, v| {
            s.fetch.builtin_technologies = boolean(v)?;
            Some(())
        },
    },
    Setting {
        key: "callback_secret",
        env: "DOMAIN_SCHEDULER_CALLBACK_SECRET",
        default: None,
        accepts: "text of at least 16 characters",
        meaning: "key that signs completion callbacks (HMAC-SHA256); while unset, a submission with a callback URL is refused",
        secret: true,
        yields_to: None,
        apply: |s, v| {
            s.callbacks.secret = Some(callback_secret(v)?);
            Some(())
        },
    },
    Setting {
        key: "callback_max_attempts",
        env: "DOMAIN_SCHEDULER_CALLBACK_MAX_ATTEMPTS",
        default: Some("8"),
        accepts: "a whole number from 1 to 50",
        meaning: "attempts to deliver one completion callback before it is recorded as failed",
        secret: false,
        yields_to: None,
        apply: |s, v| {
            s.callbacks.max_attempts = u32::try_from(whole(v, 1, 50)?).ok()?;
            Some(())
        },
    },
    Setting {
        key: "callback_retry_base_seconds",
        env: "DOMAIN_SCHEDULER_CALLBACK_RETRY_BASE_SECONDS",
        default: Some("30"),
        accepts: "a whole number of seconds from 1 to 86400",
        meaning: "delay before a failed callback is sent again; each further attempt doubles it (at most 1 hour)",
        secret: false,
        yields_to: None,
        apply: |s, v| {
            s.callbacks.retry_base = seconds(v, 1, 86_400)?;
            Some(())
        },
    },
    Setting {
        key: "public_url",
        env: "DOMAIN_SCHEDULER_PUBLIC_URL",
        default: None,
        accepts: "an http or https URL",
        meaning: "the API's address as callback receivers reach it, for the links in callbacks; unset: http:// and the address the API listens on",
        secret: false,
        yields_to: None,
        apply: |s, v| {
            s.callbacks.public_url = Some(public_url(v)?);
            Some(())
        },
    },
    Setting {
        key: "log_format",
        env: "DOMAIN_SCHEDULER_LOG_FORMAT",
        default: Some("pretty"),
        accepts: "pretty or json",
        meaning: "`json` writes one JSON object per log line",
        secret: false,
        yields_to: None,
        apply: |s, v| {
            s.telemetry.log_format = log_format(v)?;
            Some(())
        },
    },
    Setting {
        key: "restart_max",
        env: "DOMAIN_SCHEDULER_RESTART_MAX",
        default: Some("10"),
        accepts: "a whole number from 1 to 1000",
        meaning: "restart intensity: actor restarts allowed within `restart_window_seconds` before the service stops",
        secret: false,
        yields_to: None,
        apply: |s, v| {
            s.scheduler.restart_max = u32::try_from(whole(v, 1, 1000)?).ok()?;
            Some(())
        },
    },
    Setting {
        key: "restart_window_seconds",
        env: "DOMAIN_SCHEDULER_RESTART_WINDOW_SECONDS",
        default: Some("60"),
        accepts: "a whole number of seconds from 1 to 86400",
        meaning: "restart intensity window",
        secret: false,
        yields_to: None,
        apply: |s, v| {
            s.scheduler.restart_window = seconds(v, 1, 86_400)?;
            Some(())
        },
    },
    Setting {
        key: "shutdown_timeout_seconds",
        env: "DOMAIN_SCHEDULER_SHUTDOWN_TIMEOUT_SECONDS",
        default: Some("30"),
        accepts: "a whole number of seconds from 1 to 3600",
        meaning: "how long in-flight domains may finish after SIGINT/SIGTERM before their leases are handed back",
        secret: false,
        yields_to: None,
        apply: |s, v| {
            s.scheduler.shutdown_timeout = seconds(v, 1, 3600)?;
            Some(())
        },
    },
    Setting {
        key: "db_max_connections",
        env: "DOMAIN_SCHEDULER_DB_MAX_CONNECTIONS",
        default: Some("10"),
        accepts: "a whole number from 1 to 1000",
        meaning: "database connection pool size",
        secret: false,
        yields_to: None,
        apply: |s, v| {
            s.database.max_connections = u32::try_from(whole(v, 1, 1000)?).ok()?;
            Some(())
        },
    },
    Setting {
        key: "db_statement_timeout_seconds",
        env: "DOMAIN_SCHEDULER_DB_STATEMENT_TIMEOUT_SECONDS",
        default: Some("30"),
        accepts: "a whole number of seconds from 1 to 3600",
        meaning: "PostgreSQL statement_timeout of every connection, and the wait for a pooled connection",
        secret: false,
        yields_to: None,
        apply: |s, v| {
            s.database.statement_timeout = seconds(v, 1, 3600)?;
            Some(())
        },
    },
];
