//! A local site farm for the drain benchmark (`benches/drain.sh`): answers
//! `site-N.bench-farm.com` for N below DOMAINS with that domain's home page, its robots.txt and
//! its contact pages. Pages are built and gzip-compressed once at start-up and served from
//! memory, on one thread, so the farm takes little of the CPU it shares with the service.
//!
//! Usage: `bench_farm PORT DOMAINS`, with the farm settings of `site_farm::FarmEnv`
//! (`FARM_MODE=varied|slow|lorem`, `FARM_SEED`, `FARM_POOL`, `FARM_CORPUS_SHARE`, `FARM_CORPUS`).
//! `BENCH_FARM_LOG_HITS=1` prints `HIT host unix_nanos` per home-page request (latency benchmarks).
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
use site_farm::{Catalogue, FarmEnv, Mode, site_files};

/// Slow sites send their body in slices this far apart.
const PACE_TICK: Duration = Duration::from_millis(100);

struct Farm {
    catalogue: Catalogue,
    mode: Mode,
    seed: u64,
    log_hits: bool,
}

impl Farm {
    fn answer(&self, host: &str, path: &str) -> Response<Body> {
        let site = host.split(':').next().unwrap_or(host);
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
        Ok(Farm { catalogue, mode: env.mode, seed: env.config.seed, log_hits: false })
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
