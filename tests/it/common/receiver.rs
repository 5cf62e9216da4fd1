//! A callback receiver on 127.0.0.1: it records every request (path, signature header, body)
//! and answers each with the next status of its script, then 200 once the script is spent.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, Uri};

#[derive(Clone, Debug)]
pub struct Received {
    pub path: String,
    pub content_type: Option<String>,
    pub signature: Option<String>,
    pub body: Bytes,
}

impl Received {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a callback body is JSON")
    }
}

#[derive(Clone, Default)]
struct Log {
    received: Arc<Mutex<Vec<Received>>>,
    script: Arc<Mutex<VecDeque<u16>>>,
    /// Answered when the script is spent.
    then: Arc<Mutex<u16>>,
}

pub struct Receiver {
    addr: SocketAddr,
    log: Log,
    _server: tokio::task::JoinHandle<()>,
}

impl Receiver {
    /// A receiver that answers `script` in order, then 200.
    pub async fn start(script: &[u16]) -> Receiver {
        Receiver::answering(script, 200).await
    }

    /// A receiver that answers `script` in order, then `then` to every request.
    pub async fn answering(script: &[u16], then: u16) -> Receiver {
        let log = Log::default();
        log.script.lock().unwrap().extend(script);
        *log.then.lock().unwrap() = then;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the receiver");
        let addr = listener.local_addr().expect("receiver address");
        let state = log.clone();
        let app = axum::Router::new().fallback(move |uri: Uri, headers: HeaderMap, body: Bytes| {
            let state = state.clone();
            async move {
                let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
                state.received.lock().unwrap().push(Received {
                    path: uri.path().to_owned(),
                    content_type: header("content-type"),
                    signature: header("x-domain-scheduler-signature"),
                    body,
                });
                let then = *state.then.lock().unwrap();
                let status = state.script.lock().unwrap().pop_front().unwrap_or(then);
                StatusCode::from_u16(status).unwrap()
            }
        });
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver { addr, log, _server: server }
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `http://127.0.0.1:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Every request so far, in order.
    pub fn received(&self) -> Vec<Received> {
        self.log.received.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.log.received.lock().unwrap().len()
    }
}
