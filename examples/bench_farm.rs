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
//! a DNS server on 127.0.0.1 (the tests' own, `tests/it/common/dns.rs`) that answers every farm name
//! and its `www.` with 127.0.0.1, except the drawn shares: NXDOMAIN, SERVFAIL, an answer after
//! 0.3 to 1.5 s, or no answer at all. Its address is the farm's second line on stderr
//! (`dns 127.0.0.1:PORT`); `FARM_DNS_TRUTH=FILE` writes each name's class there;
//! `GET /dns` with `Host: farm.stats` answers the queries received so far by record type.
//!
//! `FARM_WEB=1` serves the same pages as the web does (`tests/it/common/web.rs`, shared with the
//! tests): TLS on every site with a certificate for its name and `www.` minted by a local CA on
//! first use, HTTP/2 through ALPN for half the sites, plain HTTP on the same port, and each
//! domain's class drawn from the seed: redirects to https, to `www.`, none, to another
//! registrable domain (`site-N.bench-farm.net`), certificates untrusted, expired or for another
//! host, bot walls and parked pages (`tests/it/common/{walls,parking}.rs`). `FARM_CA_PEM=FILE`
//! writes the CA's root there (for `DOMAIN_SCHEDULER_FETCH_EXTRA_ROOTS` and `curl --cacert`),
//! `FARM_WEB_TRUTH=FILE` each name's class and the outcome the service must record. On port 80
//! the farm serves port 443 too.
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
#[path = "../tests/it/common/dns.rs"]
mod dns;
#[allow(dead_code)]
#[path = "../tests/it/common/parking.rs"]
mod parking;
#[allow(dead_code)]
#[path = "../tests/it/common/tls.rs"]
mod tls;
#[allow(dead_code)]
#[path = "../tests/it/common/walls.rs"]
mod walls;
#[allow(dead_code)]
#[path = "../tests/it/common/web.rs"]
mod web;

use web::{CertificateKind, First, WebClass};

/// Slow sites send their body in slices this far apart.
const PACE_TICK: Duration = Duration::from_millis(100);

struct Farm {
    catalogue: Catalogue,
    mode: Mode,
    seed: u64,
    log_hits: bool,
    dns: Option<dns::DnsServer>,
    /// The web mode's walls, one drawn per walled domain.
    walls: Option<Vec<walls::Wall>>,
}

/// The registrable domain a moved brand's new home is on.
const MOVED_TO: &str = "bench-farm.net";

/// The number of `site-N.bench-farm.com` or `site-N.bench-farm.net` (and their `www.`).
fn site_number(site: &str) -> Option<usize> {
    site.strip_prefix("www.").unwrap_or(site).strip_prefix("site-")?.split('.').next()?.parse().ok()
}

impl Farm {
    /// The web class of domain N, drawn from the seed.
    fn web_class(&self, domain: usize) -> WebClass {
        WebClass::draw(unit(self.seed, domain, 0x3EB))
    }

    /// Whether domain N's https offers HTTP/2: half the sites.
    fn offers_h2(&self, domain: usize) -> bool {
        unit(self.seed, domain, 0x42) < 0.5
    }

    /// The parking provider's lander of parked domain N.
    fn lander(&self, domain: usize, name: &str) -> (&'static str, String) {
        parking::lander_for(name, (unit(self.seed, domain, 0x9A) * parking::LANDER_COUNT as f64) as usize)
    }

    fn wall(&self, walls: &[walls::Wall], domain: usize) -> usize {
        (unit(self.seed, domain, 0x3A1) * walls.len() as f64) as usize
    }

    /// The certificate name `host` is served with.
    fn certificate_of(&self, host: &str) -> CertificateKind {
        match site_number(host) {
            Some(n) if !host.ends_with(MOVED_TO) => self.web_class(n).certificate(),
            _ => CertificateKind::Valid,
        }
    }

    /// In the web mode, what the site answers before (or instead of) its pages.
    fn answer_web(
        &self,
        walls: &[walls::Wall],
        site: &str,
        path: &str,
        secure: bool,
    ) -> Option<Response<Body>> {
        let Some(n) = site_number(site) else { return Some(not_found()) };
        let class = self.web_class(n);
        let apex = site.strip_prefix("www.").unwrap_or(site);
        if apex.ends_with(MOVED_TO) {
            // Only the moved brands have a new home.
            return (class != WebClass::Moved).then(not_found);
        }
        let moved_to = format!("www.site-{n}.{MOVED_TO}");
        if let First::Redirect(origin) = class.first(apex, site, secure, &moved_to) {
            return Some(web::redirect(&origin, path));
        }
        match class {
            WebClass::Wall => Some(web::wall_answer(&walls[self.wall(walls, n)])),
            WebClass::Parked if path == "/" => Some(web::html(self.lander(n, apex).1)),
            WebClass::Parked => Some(not_found()),
            _ => None,
        }
    }

    fn answer(&self, host: &str, path: &str, secure: bool) -> Response<Body> {
        let site = host.split(':').next().unwrap_or(host);
        if site == "farm.stats" {
            return self.dns_stats();
        }
        if let Some(walls) = &self.walls
            && let Some(answer) = self.answer_web(walls, site, path, secure)
        {
            return answer;
        }
        let Some((domain, page)) =
            site_number(site).and_then(|n| self.catalogue.page_of(n).map(|page| (n, page)))
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

/// The DNS class of domain N under `shares`.
fn name_class(shares: &[(NameClass, f64)], seed: u64, domain: usize) -> NameClass {
    let draw = unit(seed, domain, 0xD25);
    let mut upto = 0.0;
    shares
        .iter()
        .find(|(_, share)| {
            upto += share;
            draw < upto
        })
        .map_or(NameClass::Answers, |(class, _)| *class)
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
        let class = name_class(shares, seed, domain);
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
        // A moved brand's new home (web mode) answers as its old name does.
        let moved = format!("site-{domain}.{MOVED_TO}");
        server.set(&format!("www.{moved}"), behaviour.clone());
        server.set(&moved, behaviour.clone());
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

impl Farm {
    /// Each web-mode name's class, whether it offers HTTP/2, and the outcome the service must
    /// record, as `name class outcome h2` lines; a name whose DNS fails is of its DNS class,
    /// with no outcome of the web's to check (`-`).
    fn web_truth(&self, domains: usize, shares: &[(NameClass, f64)]) -> String {
        let mut lines = String::new();
        for n in 0..domains {
            let name = format!("site-{n}.bench-farm.com");
            let h2 = if self.offers_h2(n) { "h2" } else { "http1" };
            let dns_class = name_class(shares, self.seed, n);
            if dns_class != NameClass::Answers {
                lines.push_str(&format!("{name}\tdns_{}\t-\t{h2}\n", dns_class.label()));
                continue;
            }
            let class = self.web_class(n);
            let outcome = class.outcome(MOVED_TO, self.lander(n, &name).0);
            lines.push_str(&format!("{name}\t{}\t{outcome}\t{h2}\n", class.label()));
        }
        lines
    }
}

/// Serves the web mode on `listener` (and on 443 when it is port 80) until the process ends.
async fn serve_web(
    farm: Arc<Farm>,
    listener: tokio::net::TcpListener,
    domains: usize,
    shares: &[(NameClass, f64)],
) {
    let certificates = {
        let farm = farm.clone();
        Arc::new(web::Certificates::new(tls::TestCa::new(), move |host| farm.certificate_of(host)))
    };
    if let Some(path) = std::env::var("FARM_CA_PEM").ok().filter(|v| !v.is_empty()) {
        std::fs::write(&path, certificates.ca_pem()).unwrap_or_else(|e| panic!("FARM_CA_PEM {path}: {e}"));
    }
    if let Some(path) = std::env::var("FARM_WEB_TRUTH").ok().filter(|v| !v.is_empty()) {
        std::fs::write(&path, farm.web_truth(domains, shares))
            .unwrap_or_else(|e| panic!("FARM_WEB_TRUTH {path}: {e}"));
    }
    let offers_h2: Arc<dyn Fn(&str) -> bool + Send + Sync> = {
        let farm = farm.clone();
        Arc::new(move |host: &str| site_number(host).is_some_and(|n| farm.offers_h2(n)))
    };
    let handler: web::Handler =
        Arc::new(move |host: &str, path: &str, secure: bool| farm.answer(host, path, secure));
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
    let _plain = web::WebServer::start(listener, certificates.clone(), offers_h2.clone(), handler.clone());
    let _tls = if port == 80 {
        let Ok(listener) = tokio::net::TcpListener::bind(("127.0.0.1", 443)).await else {
            eprintln!("bench_farm: cannot bind 127.0.0.1:443");
            std::process::exit(1);
        };
        Some(web::WebServer::start(listener, certificates, offers_h2, handler))
    } else {
        None
    };
    std::future::pending::<()>().await;
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let port: u16 = args.get(1).and_then(|p| p.parse().ok()).unwrap_or(18_900);
    let domains: usize = args.get(2).and_then(|p| p.parse().ok()).unwrap_or(2000);
    let farm = FarmEnv::from_env(domains).and_then(|env| {
        let catalogue = env.catalogue()?;
        let walls = env.web.then(|| walls::every_wall().into_iter().map(|(_, wall)| wall).collect());
        Ok(Farm { catalogue, mode: env.mode, seed: env.config.seed, log_hits: false, dns: None, walls })
    });
    let mut farm = match farm {
        Ok(farm) => farm,
        Err(message) => {
            eprintln!("bench_farm: {message}");
            std::process::exit(2);
        }
    };
    farm.log_hits = std::env::var("BENCH_FARM_LOG_HITS").is_ok_and(|v| v == "1");
    let web = if farm.walls.is_some() { " web" } else { "" };
    eprintln!("farm {:?}{web}: {}", farm.mode, farm.catalogue.summary());
    let mut shares = Vec::new();
    if let Some(spec) = std::env::var("FARM_DNS").ok().filter(|v| !v.is_empty()) {
        shares = dns_shares(&spec).unwrap_or_else(|message| {
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
    let Ok(listener) = tokio::net::TcpListener::bind(("127.0.0.1", port)).await else {
        eprintln!("bench_farm: cannot bind 127.0.0.1:{port}");
        std::process::exit(1);
    };
    if farm.walls.is_some() {
        serve_web(farm, listener, domains, &shares).await;
        return;
    }
    let app = axum::Router::new().fallback(move |headers: HeaderMap, uri: Uri| {
        let farm = farm.clone();
        async move {
            let host = headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or("");
            farm.answer(host, uri.path(), false)
        }
    });
    let _ = axum::serve(listener, app).await;
}
