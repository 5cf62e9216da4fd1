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
}

#[derive(Clone, Default)]
struct Sites {
    sites: Arc<Mutex<HashMap<String, Site>>>,
    requests: Arc<Mutex<HashMap<String, usize>>>,
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
            async move { answer(&state, &headers, &uri).await }
        });
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Farm { addr, sites, _server: server }
    }

    pub fn add(&self, host: &str, site: Site) {
        self.sites.sites.lock().unwrap().insert(host.to_owned(), site);
    }

    /// `HOST:PORT` for `DOMAIN_SCHEDULER_FETCH_CONNECT_TO`.
    pub fn connect_to(&self) -> String {
        self.addr.to_string()
    }

    /// Requests for `/` received by `host`.
    pub fn requests(&self, host: &str) -> usize {
        self.sites.requests.lock().unwrap().get(host).copied().unwrap_or(0)
    }
}

fn html(body: impl Into<Body>) -> Response<Body> {
    Response::builder().header("content-type", "text/html; charset=utf-8").body(body.into()).unwrap()
}

async fn answer(state: &Sites, headers: &HeaderMap, uri: &Uri) -> Response<Body> {
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .map(|h| h.split(':').next().unwrap_or(h).to_owned())
        .unwrap_or_default();
    if uri.path() == "/" {
        *state.requests.lock().unwrap().entry(host.clone()).or_default() += 1;
    }
    let site = state.sites.lock().unwrap().get(&host).cloned();
    match site {
        None => Response::builder().status(404).body(Body::from("no such site")).unwrap(),
        Some(Site::Html(page)) => html(page),
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
