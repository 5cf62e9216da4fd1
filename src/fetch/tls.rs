//! The TLS configuration every site visit shares: built once, because loading the platform's
//! root certificates costs far more than a visit's own client, and sharing it also shares the
//! TLS session cache (a second visit to a host resumes instead of a full handshake).
//!
//! The operator's extra roots (`DOMAIN_SCHEDULER_FETCH_EXTRA_ROOTS`: a corporate TLS proxy's CA,
//! an internal CA) are trusted besides the platform's, never instead of them.

use std::sync::Arc;

use rustls::pki_types::CertificateDer;
use rustls::{CipherSuite, ClientConfig};

/// The suites whose key schedule hashes with SHA-384: offered after the others.
const SHA384_SUITES: [CipherSuite; 3] = [
    CipherSuite::TLS13_AES_256_GCM_SHA384,
    CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
];

/// A client configuration that verifies certificates against the platform's roots and
/// `extra_roots`, and offers HTTP/2 and HTTP/1.1, as reqwest would build it for itself.
/// Cloned per site visit, it keeps one session store for all: a clone shares the store.
pub fn shared_config(extra_roots: &[CertificateDer<'static>]) -> Result<ClientConfig, rustls::Error> {
    let mut provider = rustls::crypto::aws_lc_rs::default_provider();
    // AES-128-GCM with SHA-256 first, as browsers offer it: servers mostly follow the client's
    // order, and the key schedule's many HMACs run on the CPU's SHA-256 instructions, where the
    // SHA-384 of the AES-256 suites has none (a tenth of a handshake's CPU on the web farm).
    provider.cipher_suites.sort_by_key(|suite| SHA384_SUITES.contains(&suite.suite()));
    let provider = Arc::new(provider);
    let verifier = if extra_roots.is_empty() {
        rustls_platform_verifier::Verifier::new(provider.clone())?
    } else {
        rustls_platform_verifier::Verifier::new_with_extra_roots(
            extra_roots.iter().cloned(),
            provider.clone(),
        )?
    };
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}
