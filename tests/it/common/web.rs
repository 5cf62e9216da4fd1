//! The web as sites serve it, shared by the tests and the benchmark farm (`bench_farm`'s `web`
//! mode): every site speaks TLS with a certificate of its own, minted on first use for the name
//! the client asks for (SNI) by a local CA, or by a CA nobody trusts, or expired, or made out to
//! another host; some offer HTTP/2 through ALPN; each redirects as its class says. One port
//! answers TLS and plain HTTP alike (the first byte tells), so `connect_to` and a resolving
//! client on ports 80 and 443 meet the same sites.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::Response;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;
use tokio_rustls::LazyConfigAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::server::{Acceptor, ClientHello, ResolvesServerCert};
use tokio_rustls::rustls::sign::CertifiedKey;

use super::tls::TestCa;

/// What a site does when visited, and so what the service must record of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WebClass {
    /// `http://d/` → 301 `https://d/`, which answers.
    Https,
    /// `http://d/` and `https://d/` → 301 `https://www.d/`, which answers.
    Www,
    /// Both schemes answer, no redirect.
    NoRedirect,
    /// Both schemes → 301 to the brand's new home on another registrable domain.
    Moved,
    /// https answers with a certificate from a CA nobody trusts; http answers the page.
    Untrusted,
    /// https answers with an expired certificate; http answers the page.
    Expired,
    /// https answers with a certificate for another host name; http answers the page.
    WrongHost,
    /// `http://d/` → 301 `https://d/`, which answers a bot wall.
    Wall,
    /// `http://d/` → 301 `https://d/`, which answers a parking provider's lander.
    Parked,
}

/// The shares of the classes, as in a lead list; what is left over is `Https`.
pub const SHARES: [(WebClass, f64); 8] = [
    (WebClass::Www, 0.20),
    (WebClass::NoRedirect, 0.10),
    (WebClass::Moved, 0.03),
    (WebClass::Untrusted, 0.02),
    (WebClass::Expired, 0.02),
    (WebClass::WrongHost, 0.01),
    (WebClass::Wall, 0.02),
    (WebClass::Parked, 0.03),
];

/// The certificate a site's https answers with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertificateKind {
    Valid,
    Untrusted,
    Expired,
    WrongHost,
}

/// What a site answers a request with before its content.
#[derive(Debug, PartialEq, Eq)]
pub enum First {
    /// 301 to this origin (`https://host`), the path kept.
    Redirect(String),
    /// The site's content (its page, wall or lander).
    Content,
}

/// The host name a `WrongHost` certificate is made out to.
pub const OTHER_HOST: &str = "another-host.example";

impl WebClass {
    /// The class of a draw in 0..1, by [`SHARES`].
    pub fn draw(unit: f64) -> WebClass {
        let mut upto = 0.0;
        SHARES
            .iter()
            .find(|(_, share)| {
                upto += share;
                unit < upto
            })
            .map_or(WebClass::Https, |(class, _)| *class)
    }

    pub fn label(self) -> &'static str {
        match self {
            WebClass::Https => "https",
            WebClass::Www => "www",
            WebClass::NoRedirect => "no_redirect",
            WebClass::Moved => "moved",
            WebClass::Untrusted => "untrusted",
            WebClass::Expired => "expired",
            WebClass::WrongHost => "wrong_host",
            WebClass::Wall => "wall",
            WebClass::Parked => "parked",
        }
    }

    pub fn certificate(self) -> CertificateKind {
        match self {
            WebClass::Untrusted => CertificateKind::Untrusted,
            WebClass::Expired => CertificateKind::Expired,
            WebClass::WrongHost => CertificateKind::WrongHost,
            _ => CertificateKind::Valid,
        }
    }

    /// What `domain`'s site answers first on `host` (the domain or its `www.`), over https
    /// when `secure`; `moved_to` is the host of the brand's new home.
    pub fn first(self, domain: &str, host: &str, secure: bool, moved_to: &str) -> First {
        let www = host.starts_with("www.");
        match self {
            WebClass::Https | WebClass::Wall | WebClass::Parked if !secure => {
                First::Redirect(format!("https://{host}"))
            }
            WebClass::Www if !secure || !www => First::Redirect(format!("https://www.{domain}")),
            WebClass::Moved => First::Redirect(format!("https://{moved_to}")),
            _ => First::Content,
        }
    }

    /// What the service must record of the domain, in the words of [`outcome_sql`]:
    /// `moved_to` is the registrable domain of the new home, `parking` the lander's provider.
    pub fn outcome(self, moved_to: &str, parking: &str) -> String {
        match self {
            WebClass::Https | WebClass::Www | WebClass::NoRedirect => "completed".into(),
            WebClass::Moved => format!("completed redirects_to={moved_to}"),
            WebClass::Untrusted => "completed tls=tls_untrusted".into(),
            WebClass::Expired => "completed tls=tls_expired".into(),
            WebClass::WrongHost => "completed tls=tls_wrong_host".into(),
            WebClass::Wall => "pending blocked".into(),
            WebClass::Parked => format!("completed parked={parking}"),
        }
    }
}

/// The outcome of a row of `domains`, in the words of [`WebClass::outcome`], as SQL (both
/// backends): the status, then what the row says of TLS, redirects and parking when completed,
/// or the kind of its last error otherwise.
pub const OUTCOME_SQL: &str = "CASE WHEN d.status = 'completed' THEN 'completed' \
     || coalesce(' tls=' || d.tls_problem, '') || coalesce(' redirects_to=' || d.redirects_to, '') \
     || CASE WHEN d.parked THEN ' parked=' || coalesce(d.parking_provider, '?') ELSE '' END \
     ELSE d.status || ' ' || coalesce((SELECT e.kind FROM domain_errors e WHERE e.domain_id = d.id \
     ORDER BY e.id DESC LIMIT 1), '-') END";

/// Certificates minted on first use for each name a client asks for, by the kind its site
/// serves, and kept.
pub struct Certificates {
    ca: TestCa,
    rogue: TestCa,
    kind_of: Box<dyn Fn(&str) -> CertificateKind + Send + Sync>,
    minted: Mutex<HashMap<String, Arc<CertifiedKey>>>,
}

impl std::fmt::Debug for Certificates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Certificates")
    }
}

impl Certificates {
    /// Certificates from `ca` (the one the client is told to trust) for names whose site
    /// serves the kind `kind_of` says.
    pub fn new(
        ca: TestCa,
        kind_of: impl Fn(&str) -> CertificateKind + Send + Sync + 'static,
    ) -> Certificates {
        Certificates {
            ca,
            rogue: TestCa::named("a CA nobody trusts"),
            kind_of: Box::new(kind_of),
            minted: Mutex::default(),
        }
    }

    /// The trusted CA's root, in PEM.
    pub fn ca_pem(&self) -> &str {
        self.ca.pem()
    }

    fn mint(&self, host: &str) -> Arc<CertifiedKey> {
        let apex = host.strip_prefix("www.").unwrap_or(host);
        let www = format!("www.{apex}");
        let names = [apex, www.as_str()];
        let certificate = match (self.kind_of)(host) {
            CertificateKind::Valid => self.ca.issue(&names),
            CertificateKind::Untrusted => self.rogue.issue(&names),
            CertificateKind::Expired => self.ca.issue_expired(&names),
            CertificateKind::WrongHost => self.ca.issue(&[OTHER_HOST]),
        };
        TestCa::certified(certificate)
    }
}

impl ResolvesServerCert for Certificates {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let host = hello.server_name()?.to_ascii_lowercase();
        if let Some(known) = self.minted.lock().unwrap().get(&host) {
            return Some(known.clone());
        }
        // Minted outside the lock; two handshakes racing for a new name mint twice, once kept.
        let minted = self.mint(&host);
        Some(self.minted.lock().unwrap().entry(host).or_insert(minted).clone())
    }
}

/// What answers a request: `(host, path, over https)` to the response.
pub type Handler = Arc<dyn Fn(&str, &str, bool) -> Response<Body> + Send + Sync>;

/// The first byte of every TLS connection: a handshake record.
const TLS_HANDSHAKE: u8 = 0x16;

/// A server of TLS and plain HTTP on one port, until dropped.
pub struct WebServer {
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for WebServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl WebServer {
    /// Serves on `listener`: TLS with `certificates` (HTTP/2 offered to the names `offers_h2`
    /// says), plain HTTP otherwise, each request answered by `handler`.
    pub fn start(
        listener: TcpListener,
        certificates: Arc<Certificates>,
        offers_h2: Arc<dyn Fn(&str) -> bool + Send + Sync>,
        handler: Handler,
    ) -> WebServer {
        let addr = listener.local_addr().expect("the server's address");
        let config = |alpn: &[&[u8]]| {
            let provider = Arc::new(tokio_rustls::rustls::crypto::aws_lc_rs::default_provider());
            let mut config = ServerConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .expect("TLS versions")
                .with_no_client_auth()
                .with_cert_resolver(certificates.clone());
            config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
            Arc::new(config)
        };
        let both = config(&[b"h2", b"http/1.1"]);
        let http1 = config(&[b"http/1.1"]);
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (both, http1, offers_h2, handler) =
                    (both.clone(), http1.clone(), offers_h2.clone(), handler.clone());
                tokio::spawn(async move {
                    let _ = stream.set_nodelay(true);
                    let mut first = [0u8; 1];
                    if stream.peek(&mut first).await.is_err() {
                        return;
                    }
                    if first[0] != TLS_HANDSHAKE {
                        serve_connection(stream, false, handler).await;
                        return;
                    }
                    let Ok(start) = LazyConfigAcceptor::new(Acceptor::default(), stream).await else {
                        return;
                    };
                    let h2 = start.client_hello().server_name().is_some_and(|name| offers_h2(name));
                    // A refused certificate ends here: nothing is served over it.
                    if let Ok(stream) = start.into_stream(if h2 { both } else { http1 }).await {
                        serve_connection(stream, true, handler).await;
                    }
                });
            }
        });
        WebServer { addr, task }
    }
}

async fn serve_connection<S>(stream: S, secure: bool, handler: Handler)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
        let host = request
            .headers()
            .get("host")
            .and_then(|h| h.to_str().ok())
            .or_else(|| request.uri().host())
            .unwrap_or("")
            .to_ascii_lowercase();
        let host = host.split(':').next().unwrap_or("").to_owned();
        let response = handler(&host, request.uri().path(), secure);
        std::future::ready(Ok::<_, Infallible>(response))
    });
    let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    let _ = builder.serve_connection(TokioIo::new(stream), service).await;
}

/// The answer of a bot wall: its status, headers and page.
pub fn wall_answer(wall: &super::walls::Wall) -> Response<Body> {
    let mut builder = Response::builder().status(wall.status).header("content-type", "text/html");
    for (name, value) in &wall.headers {
        builder = builder.header(*name, value);
    }
    builder.body(Body::from(wall.body.clone())).unwrap_or_default()
}

/// An HTML page answered 200.
pub fn html(page: String) -> Response<Body> {
    Response::builder()
        .header("content-type", "text/html; charset=utf-8")
        .body(Body::from(page))
        .unwrap_or_default()
}

/// The 404 of a path or a name the server does not know.
pub fn not_found() -> Response<Body> {
    Response::builder()
        .status(404)
        .body(Body::from("<html><title>404 Not Found</title></html>"))
        .unwrap_or_default()
}

/// A 301 to `origin` with the request's path.
pub fn redirect(origin: &str, path: &str) -> Response<Body> {
    Response::builder()
        .status(301)
        .header("location", format!("{origin}{path}"))
        .header("content-type", "text/html")
        .body(Body::from("<html><head><title>301 Moved Permanently</title></head></html>"))
        .unwrap_or_default()
}
