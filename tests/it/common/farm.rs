//! A site farm: many virtual hosts by Host header on one 127.0.0.1 port, each a small site with
//! one behaviour (a page, a status, a redirect, a binary file, a page that never answers), and a
//! per-host request counter. The binary under test reaches it through
//! `DOMAIN_SCHEDULER_FETCH_CONNECT_TO`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, Response, StatusCode, Uri};

#[derive(Clone)]
pub enum Site {
    Html(String),
    /// One page per path (`/`, `/contact`, ...); other paths answer 404.
    Pages(Vec<(&'static str, String)>),
    /// A page in windows-1252, with the charset only in the header.
    Windows1252(Vec<u8>),
    Status(u16),
    /// `/` answers 301 to `/hop/1`, ... `/hop/n` answers the page.
    RedirectChain(usize, String),
    Bytes(&'static str, Vec<u8>),
    /// Accepts the request and never answers.
    Hang,
    /// Answers the page after a delay.
    Slow(Duration, String),
    /// Redirects to this location.
    RedirectTo(String),
    /// `/` redirects to `/a`, `/a` back to `/`.
    RedirectLoop,
    /// An HTML body of this many bytes, streamed (never held in memory).
    Huge(usize),
    /// A gzip body of about 1 MiB that inflates to 1 GiB.
    GzipBomb,
    /// A chunked HTML body that never ends.
    EndlessChunked,
    /// Headers at once, then one byte a second.
    Slowloris,
    /// This status, these headers and this HTML body (a bot wall, a rate limit).
    Answer(u16, Vec<(&'static str, String)>, String),
    /// The first request for `/` answers 503 with `Retry-After` of this many seconds; the
    /// next ones the page.
    BusyOnce(u64, String),
    /// An HTML page answered with these extra headers (a name may repeat: `Set-Cookie`).
    WithHeaders(Vec<(&'static str, &'static str)>, String),
}

impl super::walls::Wall {
    /// The farm site that answers this wall.
    pub fn site(&self) -> Site {
        Site::Answer(self.status, self.headers.clone(), self.body.clone())
    }
}

/// 1 GiB of zeros, gzip-compressed once per test process.
fn gzip_bomb() -> bytes::Bytes {
    static BOMB: std::sync::OnceLock<bytes::Bytes> = std::sync::OnceLock::new();
    BOMB.get_or_init(|| {
        use std::io::Write;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..1024 {
            encoder.write_all(&zeros).unwrap();
        }
        bytes::Bytes::from(encoder.finish().unwrap())
    })
    .clone()
}

fn stream_of(chunks: impl futures::Stream<Item = bytes::Bytes> + Send + 'static) -> Body {
    use futures::StreamExt;
    Body::from_stream(chunks.map(Ok::<_, std::io::Error>))
}

#[derive(Clone, Default)]
struct Sites {
    sites: Arc<Mutex<HashMap<String, Site>>>,
    robots: Arc<Mutex<HashMap<String, String>>>,
    requests: Arc<Mutex<HashMap<String, usize>>>,
    /// Requests per `host path`, every path.
    paths: Arc<Mutex<HashMap<String, usize>>>,
    /// Requests being answered now, and the most seen at once.
    in_flight: Arc<Mutex<(usize, usize)>>,
}

/// Counts a request as in flight until dropped.
struct InFlight(Arc<Mutex<(usize, usize)>>);

impl InFlight {
    fn start(counter: &Arc<Mutex<(usize, usize)>>) -> InFlight {
        let mut c = counter.lock().unwrap();
        c.0 += 1;
        c.1 = c.1.max(c.0);
        InFlight(counter.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.lock().unwrap().0 -= 1;
    }
}

pub struct Farm {
    addr: SocketAddr,
    sites: Sites,
    _server: tokio::task::JoinHandle<()>,
}

impl Farm {
    pub async fn start() -> Farm {
        let sites = Sites::default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the farm");
        let addr = listener.local_addr().expect("farm address");
        let state = sites.clone();
        let app = axum::Router::new().fallback(move |headers: HeaderMap, uri: Uri| {
            let state = state.clone();
            async move {
                let _in_flight = InFlight::start(&state.in_flight);
                answer(&state, &headers, &uri).await
            }
        });
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Farm { addr, sites, _server: server }
    }

    pub fn add(&self, host: &str, site: Site) {
        self.sites.sites.lock().unwrap().insert(host.to_owned(), site);
    }

    /// Serves `text` as `host`'s robots.txt (without it, robots.txt answers 404).
    pub fn robots(&self, host: &str, text: &str) {
        self.sites.robots.lock().unwrap().insert(host.to_owned(), text.to_owned());
    }

    /// `HOST:PORT` for `DOMAIN_SCHEDULER_FETCH_CONNECT_TO`.
    pub fn connect_to(&self) -> String {
        self.addr.to_string()
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The most requests the farm was answering at once (whole answers for `Slow` sites).
    pub fn peak_in_flight(&self) -> usize {
        self.sites.in_flight.lock().unwrap().1
    }

    /// Requests for `path` received by `host`.
    pub fn path_requests(&self, host: &str, path: &str) -> usize {
        self.sites.paths.lock().unwrap().get(&format!("{host} {path}")).copied().unwrap_or(0)
    }

    /// Requests for `/` received by `host`.
    pub fn requests(&self, host: &str) -> usize {
        self.sites.requests.lock().unwrap().get(host).copied().unwrap_or(0)
    }

    /// Waits up to 10 s for `host` to have been asked `at_least` times, failing the test after;
    /// the count then.
    pub async fn wait_for_requests(&self, host: &str, at_least: usize) -> usize {
        let what = format!("{at_least} requests for {host}");
        super::wait::wait_until(&what, Duration::from_secs(10), async || self.requests(host) >= at_least)
            .await;
        self.requests(host)
    }
}

/// `a` then `b`, as one stream.
trait ChainInto: futures::Stream + Sized {
    fn chain_into<B: futures::Stream<Item = Self::Item>>(self, next: B) -> futures::stream::Chain<Self, B> {
        futures::StreamExt::chain(self, next)
    }
}

impl<S: futures::Stream> ChainInto for S {}

fn html(body: impl Into<Body>) -> Response<Body> {
    Response::builder().header("content-type", "text/html; charset=utf-8").body(body.into()).unwrap()
}

async fn answer(state: &Sites, headers: &HeaderMap, uri: &Uri) -> Response<Body> {
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .map(|h| h.split(':').next().unwrap_or(h).to_owned())
        .unwrap_or_default();
    let mut asked = 0;
    if uri.path() == "/" {
        let mut requests = state.requests.lock().unwrap();
        let count = requests.entry(host.clone()).or_default();
        *count += 1;
        asked = *count;
    }
    *state.paths.lock().unwrap().entry(format!("{host} {}", uri.path())).or_default() += 1;
    if uri.path() == "/robots.txt" {
        return match state.robots.lock().unwrap().get(&host).cloned() {
            Some(text) => {
                Response::builder().header("content-type", "text/plain").body(Body::from(text)).unwrap()
            }
            None => Response::builder().status(404).body(Body::empty()).unwrap(),
        };
    }
    let site = state.sites.lock().unwrap().get(&host).cloned();
    match site {
        None => Response::builder().status(404).body(Body::from("no such site")).unwrap(),
        Some(Site::Html(page)) => html(page),
        Some(Site::Pages(pages)) => match pages.into_iter().find(|(path, _)| *path == uri.path()) {
            Some((_, page)) => html(page),
            None => Response::builder().status(404).body(Body::from("no such page")).unwrap(),
        },
        Some(Site::Windows1252(bytes)) => Response::builder()
            .header("content-type", "text/html; charset=windows-1252")
            .body(Body::from(bytes))
            .unwrap(),
        Some(Site::Status(code)) => Response::builder()
            .status(StatusCode::from_u16(code).unwrap())
            .body(Body::from("status page"))
            .unwrap(),
        Some(Site::RedirectChain(hops, page)) => {
            let at: usize = uri.path().strip_prefix("/hop/").and_then(|n| n.parse().ok()).unwrap_or(0);
            if at >= hops {
                html(page)
            } else {
                Response::builder()
                    .status(301)
                    .header("location", format!("/hop/{}", at + 1))
                    .body(Body::empty())
                    .unwrap()
            }
        }
        Some(Site::Bytes(content_type, bytes)) => {
            Response::builder().header("content-type", content_type).body(Body::from(bytes)).unwrap()
        }
        Some(Site::Hang) => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            html("too late")
        }
        Some(Site::Slow(delay, page)) => {
            tokio::time::sleep(delay).await;
            html(page)
        }
        Some(Site::RedirectTo(location)) => {
            Response::builder().status(302).header("location", location).body(Body::empty()).unwrap()
        }
        Some(Site::RedirectLoop) => {
            let next = if uri.path() == "/" { "/a" } else { "/" };
            Response::builder().status(302).header("location", next).body(Body::empty()).unwrap()
        }
        Some(Site::Huge(size)) => {
            let chunk = bytes::Bytes::from(vec![b'a'; 64 * 1024]);
            let count = size / chunk.len();
            let head = futures::stream::once(async { bytes::Bytes::from_static(b"<html><body>") });
            html(stream_of(head.chain_into(futures::stream::iter(std::iter::repeat_n(chunk, count)))))
        }
        Some(Site::GzipBomb) => Response::builder()
            .header("content-type", "text/html")
            .header("content-encoding", "gzip")
            .body(Body::from(gzip_bomb()))
            .unwrap(),
        Some(Site::EndlessChunked) => {
            let chunk = bytes::Bytes::from(vec![b'x'; 16 * 1024]);
            html(stream_of(futures::stream::repeat(chunk)))
        }
        Some(Site::Answer(status, headers, body)) => {
            let mut answer =
                Response::builder().status(status).header("content-type", "text/html; charset=utf-8");
            for (name, value) in headers {
                answer = answer.header(name, value);
            }
            answer.body(Body::from(body)).unwrap()
        }
        Some(Site::BusyOnce(seconds, _)) if asked == 1 => Response::builder()
            .status(503)
            .header("retry-after", seconds.to_string())
            .body(Body::from("busy, come back later"))
            .unwrap(),
        Some(Site::BusyOnce(_, page)) => html(page),
        Some(Site::WithHeaders(headers, page)) => {
            let mut response = Response::builder().header("content-type", "text/html; charset=utf-8");
            for (name, value) in headers {
                response = response.header(name, value);
            }
            response.body(Body::from(page)).unwrap()
        }
        Some(Site::Slowloris) => {
            let drip = futures::stream::unfold((), |()| async {
                tokio::time::sleep(Duration::from_secs(1)).await;
                Some((bytes::Bytes::from_static(b"<"), ()))
            });
            html(stream_of(drip))
        }
    }
}

/// A WordPress home page with contacts, social links and Elementor.
pub fn wordpress_page(name: &str) -> String {
    format!(
        r#"<!doctype html><html lang="en-GB"><head><title>{name} | Home</title>
<meta name="description" content="The {name} shop">
<meta name="generator" content="WordPress 6.4.2">
<link rel="icon" href="/wp-content/uploads/icon-32.png">
<link rel="canonical" href="https://{name}/">
<link rel="stylesheet" href="/wp-content/plugins/elementor/assets/css/frontend.min.css?ver=3.18.3">
<script src="/wp-includes/js/jquery/jquery.min.js?ver=3.7.1"></script>
</head><body class="elementor-default"><header><img class="site-logo" src="/logo.png" alt="logo"></header>
<p>Write to <a href="mailto:hello@{name}">hello@{name}</a> or call <a href="tel:+442079460000">020 7946 0000</a>.</p>
<a href="https://www.facebook.com/{name}/">Facebook</a>
<a href="https://twitter.com/share?url=x">Share</a>
</body></html>"#
    )
}

pub fn plain_page(title: &str) -> String {
    format!("<html><head><title>{title}</title></head><body><h1>{title}</h1></body></html>")
}
