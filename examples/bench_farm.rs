//! A local site farm for the drain benchmark (`benches/drain.sh`): answers
//! `site-N.bench-farm.com` for N below DOMAINS with that domain's home page, its robots.txt and
//! its contact pages. Pages are built and gzip-compressed once at start-up and served from
//! memory, on one thread, so the farm takes little of the CPU it shares with the service.
//!
//! Usage: `bench_farm PORT DOMAINS`, with the farm settings of `site_farm::FarmEnv`
//! (`FARM_MODE=varied|slow|lorem`, `FARM_SEED`, `FARM_POOL`, `FARM_CORPUS_SHARE`, `FARM_CORPUS`).
//! `BENCH_FARM_LOG_HITS=1` prints `HIT host unix_nanos` per home-page request (latency benchmarks).
//!
//! `FARM_DNS=nxdomain=S,servfail=S,slow=S,silent=S` (shares of the names, each 0..1) also starts
//! a DNS server on 127.0.0.1 (the tests' own, `tests/common/dns.rs`) that answers every farm name
//! and its `www.` with 127.0.0.1, except the drawn shares: NXDOMAIN, SERVFAIL, an answer after
//! 0.3 to 1.5 s, or no answer at all. Its address is the farm's second line on stderr
//! (`dns 127.0.0.1:PORT`); `FARM_DNS_TRUTH=FILE` writes each name's class there;
//! `GET /dns` with `Host: farm.stats` answers the queries received so far by record type.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::cast_possible_truncation)] // test and bench code: a panic is a failure report

#[allow(dead_code)] // The parse benchmark's parts (decoding a page back to text) go unused here.
#[path = "site_farm/mod.rs"]
mod site_farm;

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::http::{HeaderMap, Response, StatusCode, Uri};
use bytes::Bytes;
use site_farm::{Catalogue, FarmEnv, Mode, site_files, unit};

#[allow(dead_code)] // The tests' helpers this farm does not call.
#[path = "../tests/common/dns.rs"]
mod dns;

/// Slow sites send their body in slices this far apart.
const PACE_TICK: Duration = Duration::from_millis(100);

struct Farm {
    catalogue: Catalogue,
    mode: Mode,
    seed: u64,
    log_hits: bool,
    dns: Option<dns::DnsServer>,
}

impl Farm {
    fn answer(&self, host: &str, path: &str) -> Response<Body> {
        let site = host.split(':').next().unwrap_or(host);
        if site == "farm.stats" {
            return self.dns_stats();
        }
        let Some((domain, page)) = site
            .strip_prefix("site-")
            .and_then(|rest| rest.split('.').next())
            .and_then(|n| n.parse::<usize>().ok())
            .and_then(|n| self.catalogue.page_of(n).map(|page| (n, page)))
        else {
            return not_found();
        };
        match path {
            "/" => {
                if self.log_hits {
                    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
                    println!("HIT {host} {}", now.as_nanos());
                }
                let body = match self.mode {
                    Mode::Slow => paced(page.gzip.clone(), site_farm::pace(self.seed, domain)),
                    Mode::Varied | Mode::Lorem => Body::from(page.gzip.clone()),
                };
                response(StatusCode::OK, page.content_type, Some("gzip"), body)
            }
            "/robots.txt" => match site_files::robots(&page.origin, site, domain) {
                Some(text) => response(StatusCode::OK, "text/plain", None, Body::from(text)),
                None => not_found(),
            },
            _ if self.mode != Mode::Lorem && site_files::is_contact_path(path) => response(
                StatusCode::OK,
                "text/html; charset=utf-8",
                None,
                Body::from(site_files::contact_page(site, domain)),
            ),
            _ => not_found(),
        }
    }
}

/// How a farm name answers in the resolving mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NameClass {
    Answers,
    NxDomain,
    ServFail,
    Slow,
    Silent,
}

impl NameClass {
    fn label(self) -> &'static str {
        match self {
            NameClass::Answers => "answers",
            NameClass::NxDomain => "nxdomain",
            NameClass::ServFail => "servfail",
            NameClass::Slow => "slow",
            NameClass::Silent => "silent",
        }
    }
}

/// The shares of `FARM_DNS` (`nxdomain=0.04,servfail=0.02,slow=0.02,silent=0.02`).
fn dns_shares(text: &str) -> Result<Vec<(NameClass, f64)>, String> {
    let mut shares = Vec::new();
    for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').ok_or(format!("FARM_DNS: name=share, not {pair}"))?;
        let class = match name {
            "nxdomain" => NameClass::NxDomain,
            "servfail" => NameClass::ServFail,
            "slow" => NameClass::Slow,
            "silent" => NameClass::Silent,
            _ => return Err(format!("FARM_DNS: nxdomain, servfail, slow or silent, not {name}")),
        };
        let share: f64 = value.parse().map_err(|_| format!("FARM_DNS: {name}: a share, not {value}"))?;
        shares.push((class, share));
    }
    if shares.iter().map(|(_, s)| s).sum::<f64>() > 1.0 {
        return Err("FARM_DNS: the shares add up to more than 1".into());
    }
    Ok(shares)
}

/// Starts the farm's DNS server with every name's behaviour, and writes the classes to `truth`.
async fn start_dns(
    shares: &[(NameClass, f64)],
    seed: u64,
    domains: usize,
    truth: Option<&str>,
) -> dns::DnsServer {
    use dns::Behaviour;
    let server = dns::DnsServer::start().await;
    let loopback = vec!["127.0.0.1".parse().unwrap()];
    let mut lines = String::new();
    for domain in 0..domains {
        let draw = unit(seed, domain, 0xD25);
        let mut upto = 0.0;
        let class = shares
            .iter()
            .find(|(_, share)| {
                upto += share;
                draw < upto
            })
            .map_or(NameClass::Answers, |(class, _)| *class);
        let delay = Duration::from_millis(300 + (unit(seed, domain, 0x51) * 1200.0) as u64);
        let behaviour = match class {
            NameClass::Answers => Behaviour::Answer(loopback.clone()),
            NameClass::NxDomain => Behaviour::NxDomain,
            NameClass::ServFail => Behaviour::ServFail,
            NameClass::Slow => Behaviour::Slow(delay, loopback.clone()),
            NameClass::Silent => Behaviour::Silent,
        };
        let name = format!("site-{domain}.bench-farm.com");
        server.set(&format!("www.{name}"), behaviour.clone());
        server.set(&name, behaviour);
        lines.push_str(&format!("{name}\t{}\n", class.label()));
    }
    if let Some(path) = truth {
        std::fs::write(path, lines).unwrap_or_else(|e| panic!("FARM_DNS_TRUTH {path}: {e}"));
    }
    server
}

impl Farm {
    /// The queries the DNS server received so far: `TYPE count distinct_names` per line.
    fn dns_stats(&self) -> Response<Body> {
        let Some(server) = &self.dns else { return not_found() };
        let mut by_type: std::collections::BTreeMap<String, (usize, usize)> =
            std::collections::BTreeMap::new();
        for ((_, record_type), count) in server.queries_by_type() {
            let entry = by_type.entry(record_type.to_string()).or_default();
            entry.0 += count;
            entry.1 += 1;
        }
        let text: String =
            by_type.iter().map(|(t, (count, names))| format!("{t} {count} {names}\n")).collect();
        response(StatusCode::OK, "text/plain", None, Body::from(text))
    }
}

fn response(status: StatusCode, content_type: &str, encoding: Option<&str>, body: Body) -> Response<Body> {
    let mut builder = Response::builder().status(status).header("content-type", content_type);
    if let Some(encoding) = encoding {
        builder = builder.header("content-encoding", encoding).header("vary", "Accept-Encoding");
    }
    builder.body(body).unwrap_or_default()
}

/// The small 404 page web servers send.
fn not_found() -> Response<Body> {
    let page = "<html><head><title>404 Not Found</title></head><body><center><h1>404 Not Found</h1></center><hr><center>nginx</center></body></html>\n";
    response(StatusCode::NOT_FOUND, "text/html", None, Body::from(page))
}

/// `body` sent at `rate` bytes per second, one slice per tick, on a fixed schedule.
fn paced(body: Bytes, rate: u64) -> Body {
    let step = ((rate as u128 * PACE_TICK.as_millis() / 1000) as usize).max(1);
    let start = tokio::time::Instant::now();
    let slices = futures::stream::unfold(0usize, move |offset| {
        let body = body.clone();
        async move {
            if offset >= body.len() {
                return None;
            }
            tokio::time::sleep_until(start + PACE_TICK * (offset / step) as u32).await;
            let end = (offset + step).min(body.len());
            Some((Ok::<Bytes, Infallible>(body.slice(offset..end)), end))
        }
    });
    Body::from_stream(slices)
}

/// The farm keeps every connection a client leaves open, as servers do for a while: raise the
/// soft descriptor limit to the hard one so the farm is not what runs out.
fn raise_descriptor_limit() {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit and setrlimit only read and write the struct passed to them.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let port: u16 = args.get(1).and_then(|p| p.parse().ok()).unwrap_or(18_900);
    let domains: usize = args.get(2).and_then(|p| p.parse().ok()).unwrap_or(2000);
    let farm = FarmEnv::from_env(domains).and_then(|env| {
        let catalogue = env.catalogue()?;
        Ok(Farm { catalogue, mode: env.mode, seed: env.config.seed, log_hits: false, dns: None })
    });
    let mut farm = match farm {
        Ok(farm) => farm,
        Err(message) => {
            eprintln!("bench_farm: {message}");
            std::process::exit(2);
        }
    };
    farm.log_hits = std::env::var("BENCH_FARM_LOG_HITS").is_ok_and(|v| v == "1");
    eprintln!("farm {:?}: {}", farm.mode, farm.catalogue.summary());
    if let Some(spec) = std::env::var("FARM_DNS").ok().filter(|v| !v.is_empty()) {
        let shares = dns_shares(&spec).unwrap_or_else(|message| {
            eprintln!("bench_farm: {message}");
            std::process::exit(2);
        });
        let truth = std::env::var("FARM_DNS_TRUTH").ok();
        let server = start_dns(&shares, farm.seed, domains, truth.as_deref()).await;
        eprintln!("dns {} ({spec})", server.server());
        farm.dns = Some(server);
    }
    raise_descriptor_limit();
    let farm = Arc::new(farm);
    let app = axum::Router::new().fallback(move |headers: HeaderMap, uri: Uri| {
        let farm = farm.clone();
        async move {
            let host = headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or("");
            farm.answer(host, uri.path())
        }
    });
    let Ok(listener) = tokio::net::TcpListener::bind(("127.0.0.1", port)).await else {
        eprintln!("bench_farm: cannot bind 127.0.0.1:{port}");
        std::process::exit(1);
    };
    let _ = axum::serve(listener, app).await;
}
