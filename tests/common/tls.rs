//! A TLS front for the site farm: one port that answers TLS handshakes with a certificate the
//! fetcher must refuse (self-signed, or made out to another host name), and passes plain HTTP
//! through to the farm, so the same name can fail over https and then succeed over http.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

pub struct TlsFront {
    addr: SocketAddr,
    _server: tokio::task::JoinHandle<()>,
}

/// The first byte of every TLS connection: a handshake record.
const TLS_HANDSHAKE: u8 = 0x16;

impl TlsFront {
    /// Serves a self-signed certificate made out to `names` in front of the farm at `farm`.
    pub async fn start(farm: SocketAddr, names: &[&str]) -> TlsFront {
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let certified = rcgen::generate_simple_self_signed(names).expect("a self-signed certificate");
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certified.signing_key.serialize_der()));
        let provider = Arc::new(tokio_rustls::rustls::crypto::aws_lc_rs::default_provider());
        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(vec![certified.cert.der().clone()], key)
            .expect("the certificate");
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the TLS front");
        let addr = listener.local_addr().expect("TLS front address");
        let server = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let mut first = [0u8; 1];
                    if stream.peek(&mut first).await.is_err() {
                        return;
                    }
                    if first[0] == TLS_HANDSHAKE {
                        // The client refuses the certificate; nothing is served over TLS.
                        let _ = acceptor.accept(stream).await;
                    } else if let Ok(mut upstream) = TcpStream::connect(farm).await {
                        let mut stream = stream;
                        let _ = tokio::io::copy_bidirectional(&mut stream, &mut upstream).await;
                    }
                });
            }
        });
        TlsFront { addr, _server: server }
    }

    /// `HOST:PORT` for `DOMAIN_SCHEDULER_FETCH_CONNECT_TO`.
    pub fn connect_to(&self) -> String {
        self.addr.to_string()
    }
}
