//! The TLS configuration every site visit shares: built once, because loading the platform's
//! root certificates costs far more than a visit's own client, and sharing it also shares the
//! TLS session cache (a second visit to a host resumes instead of a full handshake).
//!
//! The operator's extra roots (`DOMAIN_SCHEDULER_FETCH_EXTRA_ROOTS`: a corporate TLS proxy's CA,
//! an internal CA) are trusted besides the platform's, never instead of them.

use std::sync::Arc;

use rustls::ClientConfig;
use rustls::pki_types::CertificateDer;

/// A client configuration that verifies certificates against the platform's roots and
/// `extra_roots`, and offers HTTP/2 and HTTP/1.1, as reqwest would build it for itself.
pub fn shared_config(extra_roots: &[CertificateDer<'static>]) -> Result<ClientConfig, rustls::Error> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
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
