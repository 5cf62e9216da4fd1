//! The service's own name resolution: an asynchronous resolver (hickory) with a bounded cache of
//! answers and of negative answers, under the operator's time-out and attempts, whose failures
//! come out typed so that each is recorded as its own kind.
//!
//! No look-up holds a thread: the system's `getaddrinfo` would, and a few silent name servers
//! then held every thread of the blocking pool while healthy domains waited. Identical look-ups
//! in flight at once are merged into one query, and an answer is cached within a TTL floor and
//! ceiling, so a visit's robots.txt, home page and per-address limit share one resolution.
//!
//! The same resolver and cache answer what a domain's DNS says about its mail
//! ([`Dns::mail_records`]): a failure there is no failure of the domain, only a field unknown.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::FutureExt;
use futures::future::{BoxFuture, Shared};
use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolverConfig, ResolverOpts};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::RData;
use hickory_resolver::{TokioResolver, config::LookupIpStrategy};

pub use crate::config::DnsSettings;
use crate::extract::mail::MailRecords;

/// Cached answers are kept at least this long, whatever their TTL says (a TTL of 0 would make
/// every request of a visit ask again) ...
const TTL_FLOOR: Duration = Duration::from_secs(30);
/// ... and at most this long, so a moved site is found again within the hour.
const TTL_CEILING: Duration = Duration::from_secs(3600);
/// Every answer is also remembered this long (the TTL floor), outside the resolver's cache: the
/// visit that asks right after a look-up ahead of it gets the same answer at once, a failure
/// that may pass (SERVFAIL, no answer) included, instead of waiting out the name server again.
/// The resolver's cache alone is not enough for that hand-over: once full, it admits a new
/// answer only when it expects it to be asked often (measured: 1.3 address queries per name in
/// a drain of 10,000 names, where 1.0 were needed). Retries come minutes later, long after.
const ANSWER_MEMORY: Duration = TTL_FLOOR;
/// Queries in flight on one connection to a name server. hickory's default (32) answers "busy"
/// beyond it, which a burst of new domains at the default pool size would meet.
const MAX_QUERIES_PER_CONNECTION: usize = 4096;

/// Why a name gave no address, each a kind of its own in `domain_errors`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DnsFailure {
    /// The name does not exist (NXDOMAIN): permanent.
    #[error("{0}: the name does not exist (NXDOMAIN)")]
    NxDomain(String),
    /// The name exists but has no A or AAAA record: permanent.
    #[error("{0}: the name has no address record")]
    NoAddress(String),
    /// The name server failed or refused to answer (SERVFAIL, REFUSED): worth a retry.
    #[error("{0}: the name server failed ({1})")]
    ServFail(String, String),
    /// No answer within the time-out on any attempt: worth a retry.
    #[error("{0}: no answer from the name server within {1} ms × {2} attempts")]
    Timeout(String, u128, usize),
    /// Anything else the resolver reported (the text says what).
    #[error("{0}: {1}")]
    Other(String, String),
}

type Answer = Result<Arc<[IpAddr]>, DnsFailure>;

/// The answers of [`Dns::remember`], in two generations.
#[derive(Default)]
struct Recent {
    current: HashMap<String, (Instant, Answer)>,
    previous: HashMap<String, (Instant, Answer)>,
}

/// The resolver every site visit shares. Cheap to clone.
#[derive(Clone)]
pub struct Dns {
    resolver: TokioResolver,
    settings: DnsSettings,
    in_flight: Arc<Mutex<HashMap<String, Shared<BoxFuture<'static, Answer>>>>>,
    /// Recent answers, with when they came (see [`ANSWER_MEMORY`]).
    recent: Arc<Mutex<Recent>>,
}

impl Dns {
    /// A resolver under `settings`; an error when the system's configuration is asked for and
    /// cannot be read.
    pub fn new(settings: &DnsSettings) -> Result<Dns, NetError> {
        let (config, mut options) = if settings.servers.is_empty() {
            hickory_resolver::system_conf::read_system_conf()?
        } else {
            let servers = settings
                .servers
                .iter()
                .map(|server| {
                    let connections = [ConnectionConfig::udp(), ConnectionConfig::tcp()]
                        .into_iter()
                        .map(|mut connection| {
                            connection.port = server.port();
                            connection
                        })
                        .collect();
                    NameServerConfig::new(server.ip(), true, connections)
                })
                .collect();
            (ResolverConfig::from_parts(None, Vec::new(), servers), ResolverOpts::default())
        };
        options.timeout = settings.timeout;
        options.attempts = settings.attempts.saturating_sub(1);
        options.cache_size = settings.cache_size;
        // AAAA only when there is no A record: the visit dials the first answer, nearly every
        // site has an IPv4 address, and the second query of every look-up was half of the
        // resolver's cost. IPv6-only names still resolve.
        options.ip_strategy = LookupIpStrategy::Ipv4thenIpv6;
        options.positive_min_ttl = Some(TTL_FLOOR);
        options.negative_min_ttl = Some(TTL_FLOOR);
        options.positive_max_ttl = Some(TTL_CEILING);
        options.negative_max_ttl = Some(TTL_CEILING);
        options.max_active_requests = MAX_QUERIES_PER_CONNECTION;
        let resolver = TokioResolver::builder_with_config(config, TokioRuntimeProvider::default())
            .with_options(options)
            .build()?;
        Ok(Dns { resolver, settings: settings.clone(), in_flight: Arc::default(), recent: Arc::default() })
    }

    /// The addresses of `host`, from the cache, from a look-up already in flight, or from a new
    /// query. Bounded by the time-out × attempts, whatever the name servers do.
    pub async fn addresses(&self, host: &str) -> Answer {
        let key = host.trim_end_matches('.').to_ascii_lowercase();
        if let Some(answer) = self.recent_answer(&key) {
            return answer;
        }
        let shared = {
            let mut in_flight = self.in_flight.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some(running) = in_flight.get(&key) {
                running.clone()
            } else {
                let lookup = self.clone().lookup(key.clone()).boxed().shared();
                in_flight.insert(key.clone(), lookup.clone());
                lookup
            }
        };
        let answer = shared.await;
        let mut in_flight = self.in_flight.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        in_flight.remove(&key);
        answer
    }

    fn recent_answer(&self, key: &str) -> Option<Answer> {
        let recent = self.recent.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let found = recent.current.get(key).or_else(|| recent.previous.get(key));
        found.filter(|(seen, _)| seen.elapsed() < ANSWER_MEMORY).map(|(_, answer)| answer.clone())
    }

    fn remember(&self, key: &str, answer: &Answer) {
        let mut recent = self.recent.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // Two generations of at most half the cache's size each: the newest answers are never
        // the ones forgotten, and the memory stays bounded.
        let half = usize::try_from(self.settings.cache_size / 2).unwrap_or(usize::MAX).max(1);
        if recent.current.len() >= half {
            recent.previous = std::mem::take(&mut recent.current);
        }
        recent.current.insert(key.to_owned(), (Instant::now(), answer.clone()));
    }

    /// One look-up, shared by every caller that asked while it ran; its answer is remembered
    /// once, here, before any of them sees it.
    async fn lookup(self, host: String) -> Answer {
        // A fully qualified name: no search domains, one query per record type.
        let fqdn = format!("{host}.");
        let key = host.clone();
        let answer = match tokio::time::timeout(self.bound(), self.resolver.lookup_ip(fqdn)).await {
            Ok(Ok(found)) => {
                let addresses: Arc<[IpAddr]> = found.iter().collect();
                if addresses.is_empty() { Err(DnsFailure::NoAddress(host)) } else { Ok(addresses) }
            }
            Ok(Err(error)) => Err(self.failure(host, &error)),
            Err(_) => Err(self.timeout(host)),
        };
        self.remember(&key, &answer);
        answer
    }

    /// The MX, TXT and NS records of `domain` and the TXT records of `_dmarc.<domain>`, asked
    /// at once, each bounded as an address look-up is. A record type the name does not have (or a
    /// name that does not exist) is an empty list; a look-up that failed is `None`.
    pub async fn mail_records(&self, domain: &str) -> MailRecords {
        let name = domain.trim_end_matches('.').to_ascii_lowercase();
        let (mx, txt, dmarc, ns) = tokio::join!(
            self.records(self.resolver.mx_lookup(format!("{name}."))),
            self.records(self.resolver.txt_lookup(format!("{name}."))),
            self.records(self.resolver.txt_lookup(format!("_dmarc.{name}."))),
            self.records(self.resolver.ns_lookup(format!("{name}."))),
        );
        let ns = ns.map(|answers| {
            answers
                .iter()
                .filter_map(|data| match data {
                    RData::NS(host) => Some(host.0.to_ascii()),
                    _ => None,
                })
                .collect()
        });
        let mx = mx.map(|answers| {
            answers
                .iter()
                .filter_map(|data| match data {
                    RData::MX(mx) => Some((mx.preference, mx.exchange.to_ascii())),
                    _ => None,
                })
                .collect()
        });
        let texts = |answers: Vec<RData>| -> Vec<String> {
            answers
                .iter()
                .filter_map(|data| match data {
                    // A record's strings are one text (RFC 7208, 3.3).
                    RData::TXT(txt) => {
                        Some(txt.txt_data.iter().map(|part| String::from_utf8_lossy(part)).collect())
                    }
                    _ => None,
                })
                .collect()
        };
        MailRecords { mx, txt: txt.map(texts), dmarc: dmarc.map(texts), ns }
    }

    /// The answers of one record look-up (CNAMEs on the way included, for the caller to skip),
    /// within the time-out × attempts.
    async fn records(
        &self,
        lookup: impl Future<Output = Result<hickory_resolver::lookup::Lookup, NetError>>,
    ) -> Option<Vec<RData>> {
        match tokio::time::timeout(self.bound(), lookup).await {
            Ok(Ok(found)) => Some(found.answers().iter().map(|record| record.data.clone()).collect()),
            Ok(Err(NetError::Dns(DnsError::NoRecordsFound(none))))
                if matches!(none.response_code, ResponseCode::NXDomain | ResponseCode::NoError) =>
            {
                Some(Vec::new())
            }
            Ok(Err(_)) | Err(_) => None,
        }
    }

    /// How long one look-up may take: hickory bounds each query; this bounds the whole look-up
    /// (every record type, every attempt, every server) by the same product, plus a little for
    /// the sockets.
    fn bound(&self) -> Duration {
        let attempts = self.settings.attempts.max(1);
        self.settings.timeout * u32::try_from(attempts).unwrap_or(u32::MAX) + Duration::from_millis(500)
    }

    fn timeout(&self, host: String) -> DnsFailure {
        DnsFailure::Timeout(host, self.settings.timeout.as_millis(), self.settings.attempts.max(1))
    }

    fn failure(&self, host: String, error: &NetError) -> DnsFailure {
        match error {
            NetError::Dns(DnsError::NoRecordsFound(none)) => match none.response_code {
                ResponseCode::NXDomain => DnsFailure::NxDomain(host),
                ResponseCode::NoError => DnsFailure::NoAddress(host),
                code => DnsFailure::ServFail(host, code.to_string()),
            },
            NetError::Dns(DnsError::ResponseCode(code)) => DnsFailure::ServFail(host, code.to_string()),
            NetError::Timeout => self.timeout(host),
            other => DnsFailure::Other(host, other.to_string()),
        }
    }
}
