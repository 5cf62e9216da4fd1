//! A TLS front for the site farm: one port that answers TLS handshakes with a certificate of
//! the test's choosing (self-signed, made out to another host name, expired, or issued by a
//! test CA the fetcher may be told to trust) and passes plain HTTP through to the farm, so the
//! same name can fail over https and then succeed over http. A handshake the client accepts is
//! served by the farm too, decrypted.

use std::net::SocketAddr;
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::sign::CertifiedKey;

pub struct TlsFront {
    addr: SocketAddr,
    _server: tokio::task::JoinHandle<()>,
}

/// The first byte of every TLS connection: a handshake record.
const TLS_HANDSHAKE: u8 = 0x16;

/// A certificate authority of the test's own: its root in PEM for
/// `DOMAIN_SCHEDULER_FETCH_EXTRA_ROOTS`, and server certificates it signs.
pub struct TestCa {
    issuer: Issuer<'static, KeyPair>,
    pem: String,
}

/// A server certificate and its key.
pub struct ServerCertificate {
    der: CertificateDer<'static>,
    key: PrivateKeyDer<'static>,
}

impl TestCa {
    pub fn new() -> TestCa {
        TestCa::named("domain-scheduler test CA")
    }

    /// A CA of this common name (two CAs of one name would be told apart by signature only).
    pub fn named(name: &str) -> TestCa {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(rcgen::DnType::CommonName, name);
        let key = KeyPair::generate().expect("a CA key");
        let pem = params.self_signed(&key).expect("the CA certificate").pem();
        TestCa { issuer: Issuer::new(params, key), pem }
    }

    /// The root certificate in PEM.
    pub fn pem(&self) -> &str {
        &self.pem
    }

    /// A certificate for `names`, valid now.
    pub fn issue(&self, names: &[&str]) -> ServerCertificate {
        self.issue_with(names, |_| {})
    }

    /// A certificate for `names` that expired in 2021.
    pub fn issue_expired(&self, names: &[&str]) -> ServerCertificate {
        self.issue_with(names, |params| {
            params.not_before = rcgen::date_time_ymd(2020, 1, 1);
            params.not_after = rcgen::date_time_ymd(2021, 1, 1);
        })
    }

    /// `certificate` ready for a rustls server.
    pub fn certified(certificate: ServerCertificate) -> Arc<CertifiedKey> {
        let provider = tokio_rustls::rustls::crypto::aws_lc_rs::default_provider();
        let key = provider.key_provider.load_private_key(certificate.key).expect("a usable key");
        Arc::new(CertifiedKey::new(vec![certificate.der], key))
    }

    fn issue_with(&self, names: &[&str], adjust: impl FnOnce(&mut CertificateParams)) -> ServerCertificate {
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let mut params = CertificateParams::new(names).expect("server parameters");
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        adjust(&mut params);
        let key = KeyPair::generate().expect("a server key");
        let certificate = params.signed_by(&key, &self.issuer).expect("the server certificate");
        ServerCertificate {
            der: certificate.der().clone(),
            key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        }
    }
}

impl TlsFront {
    /// Serves a self-signed certificate made out to `names` in front of the farm at `farm`.
    pub async fn start(farm: SocketAddr, names: &[&str]) -> TlsFront {
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let certified = rcgen::generate_simple_self_signed(names).expect("a self-signed certificate");
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certified.signing_key.serialize_der()));
        TlsFront::serving(farm, ServerCertificate { der: certified.cert.der().clone(), key }).await
    }

    /// Serves `certificate` in front of the farm at `farm`.
    pub async fn serving(farm: SocketAddr, certificate: ServerCertificate) -> TlsFront {
        let provider = Arc::new(tokio_rustls::rustls::crypto::aws_lc_rs::default_provider());
        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(vec![certificate.der], certificate.key)
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
                        // A refused certificate ends here: nothing is served over it.
                        if let Ok(mut decrypted) = acceptor.accept(stream).await
                            && let Ok(mut upstream) = TcpStream::connect(farm).await
                        {
                            let _ = tokio::io::copy_bidirectional(&mut decrypted, &mut upstream).await;
                        }
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
