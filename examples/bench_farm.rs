//! A fast local site farm for the drain benchmark (`benches/drain.sh`): answers every Host with a
//! generated home page of about 50 KB, gzip-compressed once at start-up and served from memory.
//!
//! Usage: `bench_farm PORT PAGES` — serves `site-0.bench-farm.com` .. `site-{PAGES-1}...`.

use std::io::Write;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, Response, Uri};

/// A home page of about 50 KB with the usual furniture: head metadata, navigation, articles,
/// contacts, social links and scripts.
fn page(i: usize) -> String {
    let mut html = format!(
        r#"<!doctype html><html lang="en-US"><head><meta charset="utf-8"><title>Site {i} | Home</title>
<meta name="description" content="Everything about site {i}: products, services and news.">
<meta name="generator" content="WordPress 6.4.{}"><meta property="og:title" content="Site {i}">
<link rel="icon" href="/favicon-{i}.png"><link rel="canonical" href="https://site-{i}.bench-farm.com/">
<link rel="stylesheet" href="/wp-content/plugins/elementor/assets/css/frontend.min.css?ver=3.18.3">
<script src="/wp-includes/js/jquery/jquery.min.js?ver=3.7.1"></script></head><body>
<header><img class="logo" src="/logo.png" alt="Site {i}"><nav>"#,
        i % 10
    );
    for n in 0..30 {
        html.push_str(&format!(r#"<a href="/section-{n}/">Section {n}</a> "#));
    }
    html.push_str("</nav></header><main>");
    let mut n = 0;
    while html.len() < 48_000 {
        html.push_str(&format!(
            "<article><h2>Story {n} of site {i}</h2><p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do \
             eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud \
             exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat {n}.</p><a href=\"/story-{n}\">Read \
             more</a></article>"
        ));
        n += 1;
    }
    html.push_str(&format!(
        r#"</main><footer><a href="mailto:contact@site-{i}.bench-farm.com">Contact</a> <a href="tel:+14155550{:03}">Call</a>
<a href="https://www.facebook.com/site{i}">Facebook</a> <a href="https://twitter.com/site{i}">Twitter</a></footer>
<script>window.dataLayer=window.dataLayer||[];</script></body></html>"#,
        i % 1000
    ));
    html
}

fn gzip(text: &str) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let _ = encoder.write_all(text.as_bytes());
    encoder.finish().unwrap_or_default()
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let port: u16 = args.get(1).and_then(|p| p.parse().ok()).unwrap_or(18_900);
    let pages: usize = args.get(2).and_then(|p| p.parse().ok()).unwrap_or(2000);
    let bodies: Arc<Vec<Vec<u8>>> = Arc::new((0..pages).map(|i| gzip(&page(i))).collect());
    let raw: usize = (0..pages.min(50)).map(|i| page(i).len()).sum::<usize>() / pages.clamp(1, 50);
    eprintln!("{pages} pages, about {raw} bytes each before compression");
    // BENCH_FARM_LOG_HITS=1 prints `HIT host unix_nanos` per request, for latency benchmarks.
    let log_hits = std::env::var("BENCH_FARM_LOG_HITS").is_ok_and(|v| v == "1");
    let app = axum::Router::new().fallback(move |headers: HeaderMap, uri: Uri| {
        let bodies = bodies.clone();
        async move {
            if uri.path() != "/" {
                return Response::builder().status(404).body(Body::empty()).unwrap_or_default();
            }
            let host = headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or("");
            if log_hits {
                let now =
                    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
                println!("HIT {host} {}", now.as_nanos());
            }
            let index = host
                .strip_prefix("site-")
                .and_then(|rest| rest.split('.').next())
                .and_then(|n| n.parse::<usize>().ok())
                .filter(|n| *n < bodies.len());
            match index {
                Some(i) => Response::builder()
                    .header("content-type", "text/html; charset=utf-8")
                    .header("content-encoding", "gzip")
                    .body(Body::from(bodies[i].clone()))
                    .unwrap_or_default(),
                None => Response::builder().status(404).body(Body::empty()).unwrap_or_default(),
            }
        }
    });
    let Ok(listener) = tokio::net::TcpListener::bind(("127.0.0.1", port)).await else {
        eprintln!("cannot bind 127.0.0.1:{port}");
        std::process::exit(1);
    };
    let _ = axum::serve(listener, app).await;
}
