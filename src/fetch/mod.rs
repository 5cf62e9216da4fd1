//! Fetching a domain's home page with reqwest, under bounded time, size and redirects, and
//! never from a non-public address unless the operator allows it.
//!
//! A [`WebClient`] holds what every fetch shares: settings, the TLS configuration, the resolver,
//! the robots.txt cache and the politeness slots. Each domain is fetched in a [`SiteVisit`] with
//! a connection pool of its own: robots.txt, the home page and the contact pages reuse its
//! connections, and they close when the visit ends. A crawler visits each host once or twice, so
//! connections kept for later would only pile up, one descriptor per site ever visited.
//! `connect_to` routes every connection to one address while the domain stays the Host header
//! and SNI. Every failure maps to a [`Failure`] of stage `fetch` with its kind; nothing here
//! panics on what a server sends.

mod charset;
mod classify;
mod dns;
mod guard;
mod politeness;
mod resolver;
mod span;
mod tls;
mod walls;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderMap};
use url::Url;

use crate::extract::mail::MailRecords;
pub use charset::{decode_html, decode_html_owned};
pub use classify::{LOCAL_SHORTAGES, is_local_shortage};
pub use dns::{Dns, DnsFailure, DnsSettings};
pub use guard::is_public;
pub use resolver::BlockedAddress;
use resolver::GuardedResolver;
pub use span::{fetch_span, record_result};

pub use crate::config::FetchSettings;
use crate::domain_name::DomainName;
use crate::failure::{Failure, Kind, Stage};

const MAX_REDIRECTS: usize = 10;
/// `Retry-After` waits one visit honours before it gives up on the wall.
const MAX_WAITS: usize = 2;

/// A client builder for requests that are not site visits (completion callbacks): the shared
/// TLS configuration and the address guard on every name it resolves, but never the operator's
/// `connect_to`, which routes site fetches only. An address written in the URL itself is not
/// resolved: the caller checks it with [`is_public`].
pub fn guarded_client(allow_private: bool) -> Result<reqwest::ClientBuilder, rustls::Error> {
    let resolver = GuardedResolver { connect_to: None, allow_private, overrides: Arc::default(), dns: None };
    Ok(reqwest::Client::builder()
        .tls_backend_preconfigured(tls::shared_config(&[])?)
        .dns_resolver(Arc::new(resolver))
        .no_proxy())
}

/// A fetched HTML page.
#[derive(Debug)]
pub struct FetchedPage {
    pub final_url: Url,
    pub status: u16,
    pub headers: HeaderMap,
    /// The body decoded to text.
    pub html: String,
    /// Body size after decompression.
    pub bytes: usize,
    pub elapsed: Duration,
    /// The certificate failure of https:// when the page came over another scheme: kept on the
    /// domain's row, because the page was fetched without the protection users expect.
    pub tls_problem: Option<Failure>,
}

/// What every site visit shares. Cheap to clone.
#[derive(Clone)]
pub struct WebClient {
    settings: Arc<FetchSettings>,
    politeness: Arc<politeness::Politeness>,
    resolver: Arc<GuardedResolver>,
    tls: Arc<rustls::ClientConfig>,
}

/// One domain's visit: its requests share a connection pool that closes with the visit.
pub struct SiteVisit<'a> {
    web: &'a WebClient,
    client: reqwest::Client,
}

impl WebClient {
    pub fn new(settings: FetchSettings) -> Result<WebClient, Failure> {
        WebClient::with_resolver_overrides(settings, HashMap::new())
    }

    /// A client whose resolver answers `overrides` for the names in it (and asks the system
    /// for the rest); the address guard applies to every answer alike.
    pub fn with_resolver_overrides(
        settings: FetchSettings,
        overrides: HashMap<String, Vec<IpAddr>>,
    ) -> Result<WebClient, Failure> {
        // With `connect_to` every name goes to one address: no address is resolved, and the
        // mail records are asked only of name servers the operator named (a farm's names are
        // not the Internet's: the system's name servers are never asked for them).
        let resolves = settings.connect_to.is_none() || !settings.dns.servers.is_empty();
        let dns = match resolves {
            false => None,
            true => Some(Dns::new(&settings.dns).map_err(|error| {
                Failure::new(Stage::Fetch, Kind::Other, format!("cannot set up name resolution: {error}"))
            })?),
        };
        let resolver = Arc::new(GuardedResolver {
            connect_to: settings.connect_to.clone(),
            allow_private: settings.allow_private_networks,
            overrides: Arc::new(overrides),
            dns,
        });
        let tls = tls::shared_config(&settings.extra_roots).map_err(|error| {
            Failure::new(Stage::Fetch, Kind::Other, format!("cannot set up TLS: {error}"))
        })?;
        let web = WebClient {
            settings: Arc::new(settings),
            politeness: Arc::default(),
            resolver,
            tls: Arc::new(tls),
        };
        // Fail at start-up, not at the first domain, when the client cannot be built at all.
        web.visit()?;
        Ok(web)
    }

    /// The settings every fetch runs under.
    pub fn settings(&self) -> &FetchSettings {
        &self.settings
    }

    /// Starts one domain's visit, with a connection pool of its own.
    pub fn visit(&self) -> Result<SiteVisit<'_>, Failure> {
        let allow_private = self.settings.allow_private_networks;
        let redirect = reqwest::redirect::Policy::custom(move |attempt| {
            let url = attempt.url().clone();
            if attempt.previous().len() >= MAX_REDIRECTS {
                return attempt.error(format!("more than {MAX_REDIRECTS} redirects"));
            }
            if attempt.previous().iter().any(|seen| seen == &url) {
                return attempt.error(format!("redirect loop at {url}"));
            }
            if !matches!(url.scheme(), "http" | "https") {
                return attempt.error(format!("redirect to unsupported scheme {}", url.scheme()));
            }
            if !allow_private {
                let literal = match url.host() {
                    Some(url::Host::Ipv4(ip)) => Some(std::net::IpAddr::V4(ip)),
                    Some(url::Host::Ipv6(ip)) => Some(std::net::IpAddr::V6(ip)),
                    _ => None,
                };
                if literal.is_some_and(|ip| !is_public(ip)) {
                    return attempt.error(BlockedAddress(format!("redirect to {url}")));
                }
            }
            attempt.follow()
        });
        let timeout = self.settings.timeout;
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(rustls::ClientConfig::clone(&self.tls))
            .user_agent(self.settings.user_agent.clone())
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .redirect(redirect)
            .no_proxy()
            .gzip(true)
            .brotli(true)
            .deflate(true)
            .pool_idle_timeout(timeout)
            // A visit's connections live as long as the visit, which `timeout` bounds: TCP
            // keep-alive probes and a user timeout would never fire, and cost five system calls
            // per connection (docs/benchmarks.md, "System calls per domain").
            .tcp_keepalive(None)
            .tcp_keepalive_interval(None)
            .tcp_keepalive_retries(None)
            .tcp_user_timeout(None)
            .dns_resolver(self.resolver.clone())
            .build()
            .map_err(|error| {
                Failure::new(Stage::Fetch, Kind::Other, format!("cannot build the HTTP client: {error}"))
            })?;
        Ok(SiteVisit { web: self, client })
    }

    /// The home page of `domain` in a visit of its own.
    pub async fn home_page(&self, domain: &DomainName) -> Result<FetchedPage, Failure> {
        self.visit()?.home_page(domain).await
    }

    /// What the DNS says about the mail of `domain` ([`Dns::mail_records`]), through the
    /// resolver and cache of the visits. `None` when there is no resolver to ask (`connect_to`
    /// without named name servers), or when the domain's own name gives no address: its visit
    /// fails then and nothing would be kept, so no record is asked (the address look-up is the
    /// visit's own, merged or cached, not one more query).
    pub async fn mail_records(&self, domain: &str) -> Option<MailRecords> {
        let dns = self.resolver.dns.as_ref()?;
        if self.settings.connect_to.is_none() {
            self.resolver.addresses(domain).await.ok()?;
        }
        Some(dns.mail_records(domain).await)
    }

    /// The robots.txt rules of `url`'s origin, fetched once per origin and hour with `client`. A
    /// missing, unreadable or oversized file allows everything; a connection failure surfaces on
    /// the page fetch itself. A shortage of this process's own is no answer of the site's: it is
    /// returned, and nothing is remembered.
    async fn robots(&self, client: &reqwest::Client, url: &Url) -> Result<politeness::RobotsRules, Failure> {
        let origin = url.origin().ascii_serialization();
        if let Some(rules) = self.politeness.cached_robots(&origin) {
            return Ok(rules);
        }
        let rules = match client.get(format!("{origin}/robots.txt")).send().await {
            Err(error) if is_local_shortage(&error) => return Err(classify::classify(&error)),
            Ok(mut response) if response.status().is_success() => {
                let mut body = Vec::new();
                let mut oversized = false;
                while let Ok(Some(chunk)) = response.chunk().await {
                    if (body.len() + chunk.len()) as u64 > politeness::ROBOTS_MAX_BYTES {
                        oversized = true;
                        break;
                    }
                    body.extend_from_slice(&chunk);
                }
                if oversized {
                    politeness::RobotsRules::allow_all()
                } else {
                    politeness::RobotsRules::parse(&self.agent_token(), &body)
                }
            }
            _ => politeness::RobotsRules::allow_all(),
        };
        self.politeness.remember_robots(&origin, rules.clone());
        Ok(rules)
    }

    /// The product token of the user agent (`domain-scheduler` of `domain-scheduler/0.1 (...)`),
    /// which robots.txt groups name.
    fn agent_token(&self) -> String {
        self.settings.user_agent.split(['/', ' ']).next().unwrap_or("domain-scheduler").to_owned()
    }

    /// Resolves `domain`'s name before its visit, so that a name server that is slow or silent
    /// keeps no fetcher waiting: the fetcher pool hands the domain out once this returns, and
    /// the visit then finds the answer (or the failure) in the resolver's memory. Nothing to do
    /// with `connect_to` or an override.
    pub async fn resolve_ahead(&self, domain: &DomainName) {
        let host = domain.as_str();
        // An override answers itself.
        if self.resolves_names()
            && let Some(dns) = &self.resolver.dns
            && !self.resolver.overrides.contains_key(host)
        {
            let _ = dns.addresses(host).await;
        }
    }

    /// Whether [`WebClient::resolve_ahead`] has anything to do: under `connect_to` no address is
    /// looked up (the resolver there, when DNS servers are named, asks only for records).
    pub fn resolves_names(&self) -> bool {
        self.settings.connect_to.is_none() && self.resolver.dns.is_some()
    }

    /// The address `host` will be dialled at, for the per-address bound: the operator's
    /// `connect_to` target, an override, or the resolver's first answer. The connector asks the
    /// same resolver, whose cache answers it: one resolution per visit. A name that does not
    /// resolve, or resolves to a refused address, fails here with its kind.
    async fn address_of(&self, host: &str) -> Result<String, Failure> {
        if let Some(target) = &self.settings.connect_to {
            return Ok(target.clone());
        }
        if let Ok(ip) = host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>() {
            return Ok(ip.to_string());
        }
        let addresses = self.resolver.addresses(host).await.map_err(|error| classify::resolution(&*error))?;
        addresses
            .first()
            .map(ToString::to_string)
            .ok_or_else(|| classify::dns(&DnsFailure::NoAddress(host.to_owned())))
    }
}

impl SiteVisit<'_> {
    /// The home page of `domain`, trying each configured scheme in order. A scheme that cannot
    /// be reached (connection, TLS, time-out) gives way to the next; an HTTP answer does not.
    ///
    /// A refused certificate is kept on the page fetched over the next scheme, as
    /// [`FetchedPage::tls_problem`], and logged once as a WARN. When no scheme gives the page,
    /// the certificate failure is the domain's (permanent; the failure's own WARN line tells):
    /// an http:// that redirects back to https:// meets the same certificate again, and
    /// another attempt would too.
    pub async fn home_page(&self, domain: &DomainName) -> Result<FetchedPage, Failure> {
        self.home_page_waiting(domain, Duration::ZERO).await
    }

    /// [`SiteVisit::home_page`], waiting out a `Retry-After` of a wall when it ends within
    /// `budget` (what the lease leaves once the visit's own fetches are counted), and asking
    /// again: a site that asks for a few seconds gets them, and the domain needs no attempt of
    /// its own. A longer wait ends the visit as `blocked`; the next attempt is due after it.
    pub async fn home_page_waiting(
        &self,
        domain: &DomainName,
        budget: Duration,
    ) -> Result<FetchedPage, Failure> {
        let mut budget = budget;
        let mut waits = 0;
        loop {
            match self.home_page_once(domain).await {
                Err(failure) if failure.kind == Kind::Blocked && waits < MAX_WAITS => {
                    let Some(wait) = failure.retry_after.filter(|wait| *wait <= budget) else {
                        return Err(failure);
                    };
                    tracing::info!(domain = %domain, wait_s = wait.as_secs(), "{}; waiting as asked", failure.message);
                    tokio::time::sleep(wait).await;
                    budget -= wait;
                    waits += 1;
                }
                result => return result,
            }
        }
    }

    async fn home_page_once(&self, domain: &DomainName) -> Result<FetchedPage, Failure> {
        let mut last = None;
        let mut tls_problem: Option<Failure> = None;
        for scheme in &self.web.settings.schemes {
            let url = Url::parse(&domain.home_page(scheme.as_str())).map_err(|error| {
                Failure::new(Stage::Fetch, Kind::InvalidDomain, error.to_string()).permanent()
            })?;
            match self.page(&url).await {
                Ok(mut page) => {
                    if let Some(problem) = &tls_problem {
                        tracing::warn!(
                            domain = %domain,
                            kind = problem.kind.as_str(),
                            "certificate refused, fetched over {} instead: {}",
                            url.scheme(),
                            problem.message
                        );
                    }
                    page.tls_problem = tls_problem;
                    return Ok(page);
                }
                Err(failure)
                    if failure.kind.is_tls() || matches!(failure.kind, Kind::Connect | Kind::Timeout) =>
                {
                    if failure.kind.is_certificate() && tls_problem.is_none() {
                        tls_problem = Some(failure.clone());
                    }
                    last = Some(failure);
                }
                Err(failure) => return Err(failure),
            }
        }
        Err(tls_problem
            .or(last)
            .unwrap_or_else(|| Failure::new(Stage::Fetch, Kind::Other, "no scheme to try")))
    }

    /// One URL under the same limits and guards, politeness included. Waiting for a slot of the
    /// host or of its address does not count against the fetch deadline: a queue behind a
    /// shared host is politeness, not a slow site.
    pub async fn page(&self, url: &Url) -> Result<FetchedPage, Failure> {
        span::record_url(url);
        let deadline = self.web.settings.timeout;
        let host = url.host_str().unwrap_or_default().to_owned();
        let _host_slot =
            self.web.politeness.slot(&format!("host {host}"), self.web.settings.per_host_concurrency).await;
        // The look-up is bounded by the resolver's time-out × attempts, and here by the fetch
        // deadline too: a name that does not resolve ends the page with its own kind.
        let address = match tokio::time::timeout(deadline, self.web.address_of(&host)).await {
            Ok(address) => address?,
            Err(_) => {
                return Err(Failure::new(
                    Stage::Fetch,
                    Kind::DnsTimeout,
                    format!("{host}: no address within {} s", deadline.as_secs()),
                ));
            }
        };
        let _address_slot = self
            .web
            .politeness
            .slot(&format!("address {address}"), self.web.settings.per_ip_concurrency)
            .await;
        let started = Instant::now();
        let polite_fetch = async {
            if self.web.settings.respect_robots
                && !self.web.robots(&self.client, url).await?.allowed(url.as_str())
            {
                let failure =
                    Failure::new(Stage::Fetch, Kind::RobotsDisallowed, format!("robots.txt disallows {url}"));
                return Err(failure.permanent());
            }
            self.fetch(url, started).await
        };
        match tokio::time::timeout(deadline, polite_fetch).await {
            Ok(result) => result,
            Err(_) => Err(Failure::new(
                Stage::Fetch,
                Kind::Timeout,
                format!("no complete answer within {} s", deadline.as_secs()),
            )),
        }
    }

    async fn fetch(&self, url: &Url, started: Instant) -> Result<FetchedPage, Failure> {
        let mut response =
            self.client.get(url.clone()).send().await.map_err(|error| classify::classify(&error))?;
        let status = response.status().as_u16();
        span::record_url(response.url());
        // Every failure from here on came with an answer, whose status the domain's row keeps.
        let answered = |failure: Failure| failure.with_http_status(status);
        if response.status().is_redirection() {
            // The redirect policy declined to follow it (an unusable location).
            let location =
                response.headers().get(reqwest::header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("");
            return Err(answered(Failure::new(
                Stage::Fetch,
                Kind::Redirect,
                format!("redirect to an unusable location {location:?}"),
            )));
        }
        if !response.status().is_success() {
            // A challenge or block page says so in its status and in its headers or its first
            // bytes: only those are read, and only for a status some wall answers with.
            if walls::watches(status) {
                let headers = response.headers().clone();
                let start = body_start(&mut response, walls::SIGNATURE_BYTES).await;
                if let Some(blocked) = walls::blocked(status, &headers, &start) {
                    return Err(blocked);
                }
            }
            return Err(Failure::http_status(status));
        }
        let headers = response.headers().clone();
        let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
        if let Some(kind) = content_type.as_deref() {
            let mime = kind.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
            if !(mime == "text/html" || mime == "application/xhtml+xml" || mime.is_empty()) {
                return Err(answered(Failure::new(
                    Stage::Fetch,
                    Kind::NotHtml,
                    format!("content type {mime}"),
                )));
            }
        }
        let max = self.web.settings.max_bytes;
        let announced =
            headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
        let compressed = headers.contains_key(reqwest::header::CONTENT_ENCODING);
        if announced.is_some_and(|length| length > max && !compressed) {
            return Err(answered(too_large(max)));
        }
        let final_url = response.url().clone();
        // A compressed length announces about a quarter of the HTML (gzip's usual ratio on
        // markup): reserving for that saves the copies of growing the buffer step by step.
        let expected = match announced {
            Some(length) if compressed => length.saturating_mul(4),
            Some(length) => length,
            None => 64 * 1024,
        };
        let mut body = Vec::with_capacity(usize::try_from(expected.min(max)).unwrap_or(64 * 1024));
        while let Some(chunk) =
            response.chunk().await.map_err(|error| answered(classify::classify(&error)))?
        {
            if (body.len() + chunk.len()) as u64 > max {
                return Err(answered(too_large(max)));
            }
            body.extend_from_slice(&chunk);
        }
        if content_type.is_none() && !looks_like_html(&body) {
            return Err(answered(Failure::new(
                Stage::Fetch,
                Kind::NotHtml,
                "no content type and no HTML markup",
            )));
        }
        // A wall may answer 200 too: never extracted as the site.
        if let Some(blocked) = walls::blocked(status, &headers, &body) {
            return Err(blocked);
        }
        let bytes = body.len();
        let html = decode_html_owned(body, content_type.as_deref());
        Ok(FetchedPage {
            final_url,
            status,
            headers,
            html,
            bytes,
            elapsed: started.elapsed(),
            tls_problem: None,
        })
    }
}

/// At most about `limit` bytes of a body, as far as it arrives: a body that fails part way
/// gives what came before.
async fn body_start(response: &mut reqwest::Response, limit: usize) -> Vec<u8> {
    let mut start = Vec::new();
    while start.len() < limit {
        match response.chunk().await {
            Ok(Some(chunk)) => start.extend_from_slice(&chunk[..chunk.len().min(limit - start.len())]),
            _ => break,
        }
    }
    start
}

fn too_large(max: u64) -> Failure {
    Failure::new(Stage::Fetch, Kind::TooLarge, format!("body larger than {max} bytes"))
}

fn looks_like_html(body: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&body[..body.len().min(1024)]).to_ascii_lowercase();
    head.contains("<html")
        || head.contains("<!doctype html")
        || head.contains("<head")
        || head.contains("<body")
}
