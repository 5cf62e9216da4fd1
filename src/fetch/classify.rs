//! Naming the kind of a failed request from what the error is and what caused it.
//!
//! A shortage of the service's own (no descriptor, no buffer, no memory) is told apart from
//! anything the site did: it is [`Kind::LocalResource`], which never counts against a domain.

use std::error::Error as StdError;

use super::dns::DnsFailure;
use super::resolver::BlockedAddress;
use crate::failure::{Failure, Kind, Stage};

/// Operating-system errors that mean this process, not the remote site, ran short.
const LOCAL_SHORTAGES: [i32; 4] = [libc::EMFILE, libc::ENFILE, libc::ENOBUFS, libc::ENOMEM];

/// Whether `error`, or anything that caused it, is an operating-system shortage of this process.
pub fn is_local_shortage(error: &(dyn StdError + 'static)) -> bool {
    causes(error).any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::raw_os_error)
            .is_some_and(|code| LOCAL_SHORTAGES.contains(&code))
    })
}

/// `error` and its sources, outermost first.
fn causes<'a>(error: &'a (dyn StdError + 'static)) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    std::iter::successors(Some(error), |cause: &&'a (dyn StdError + 'static)| (*cause).source())
}

/// The failure of a name that gave no address: a name that does not exist, or exists without
/// an address, is permanent; a failing or silent name server is worth another attempt.
pub fn dns(failure: &DnsFailure) -> Failure {
    let (kind, permanent) = match failure {
        DnsFailure::NxDomain(_) => (Kind::DnsNxdomain, true),
        DnsFailure::NoAddress(_) => (Kind::DnsNoAddress, true),
        DnsFailure::ServFail(..) => (Kind::DnsServfail, false),
        DnsFailure::Timeout(..) => (Kind::DnsTimeout, false),
        DnsFailure::Other(..) => (Kind::Dns, false),
    };
    let recorded = Failure::new(Stage::Fetch, kind, failure.to_string());
    if permanent { recorded.permanent() } else { recorded }
}

/// The failure of a look-up made before the request (the per-address bound's).
pub fn resolution(error: &(dyn StdError + 'static)) -> Failure {
    if let Some(failure) = causes(error).find_map(|cause| cause.downcast_ref::<DnsFailure>()) {
        return dns(failure);
    }
    let chain = causes(error).map(ToString::to_string).collect::<Vec<_>>().join(": ");
    if causes(error).any(|cause| cause.is::<BlockedAddress>()) {
        return Failure::new(Stage::Fetch, Kind::BlockedAddress, chain).permanent();
    }
    if is_local_shortage(error) {
        return Failure::new(Stage::Fetch, Kind::LocalResource, chain);
    }
    Failure::new(Stage::Fetch, Kind::Dns, chain)
}

/// The failure of a request that reqwest could not complete.
pub fn classify(error: &reqwest::Error) -> Failure {
    let chain = causes(error).map(ToString::to_string).collect::<Vec<_>>().join(": ");
    if let Some(failure) = causes(error).find_map(|cause| cause.downcast_ref::<DnsFailure>()) {
        return dns(failure);
    }
    if causes(error).any(|cause| cause.is::<BlockedAddress>()) {
        return Failure::new(Stage::Fetch, Kind::BlockedAddress, chain).permanent();
    }
    if is_local_shortage(error) {
        return Failure::new(Stage::Fetch, Kind::LocalResource, chain);
    }
    if let Some(tls) = causes(error).find_map(rustls_error) {
        return tls_failure(tls, chain);
    }
    let lower = chain.to_ascii_lowercase();
    let kind = if error.is_timeout() {
        Kind::Timeout
    } else if error.is_redirect() {
        Kind::Redirect
    } else if lower.contains("dns error")
        || lower.contains("failed to lookup")
        || lower.contains("name or service not known")
    {
        Kind::Dns
    } else if [
        "certificate",
        "tls",
        "handshake",
        "invalid peer",
        "corrupt message",
        "alert",
        "peer is incompatible",
    ]
    .iter()
    .any(|sign| lower.contains(sign))
    {
        Kind::Tls
    } else if error.is_body() || error.is_decode() {
        Kind::Other
    } else {
        Kind::Connect
    };
    Failure::new(Stage::Fetch, kind, chain)
}

/// The rustls error `cause` is or carries. An `io::Error` wrapping an error does not return
/// it as its source (it returns the wrapped error's own source), and the TLS stream wraps
/// rustls's error in an `io::Error` that the connector may wrap again: each is opened here.
fn rustls_error<'a>(cause: &'a (dyn StdError + 'static)) -> Option<&'a rustls::Error> {
    if let Some(tls) = cause.downcast_ref::<rustls::Error>() {
        return Some(tls);
    }
    let wrapped: &'a (dyn StdError + 'static) = cause.downcast_ref::<std::io::Error>()?.get_ref()?;
    causes(wrapped).find_map(rustls_error)
}

/// The kind of a TLS failure from rustls's typed error: what is wrong with the certificate, or
/// a handshake that failed otherwise. A refused certificate is permanent: the site serves it
/// to every attempt until its owner replaces it.
fn tls_failure(error: &rustls::Error, message: String) -> Failure {
    use rustls::CertificateError as Cert;
    let kind = match error {
        rustls::Error::InvalidCertificate(
            Cert::Expired | Cert::ExpiredContext { .. } | Cert::NotValidYet | Cert::NotValidYetContext { .. },
        ) => Kind::TlsExpired,
        rustls::Error::InvalidCertificate(Cert::NotValidForName | Cert::NotValidForNameContext { .. }) => {
            Kind::TlsWrongHost
        }
        // Unknown issuer, bad signature, revoked, unusable for a server: not to be trusted.
        rustls::Error::InvalidCertificate(_) => Kind::TlsUntrusted,
        _ => Kind::TlsHandshake,
    };
    let failure = Failure::new(Stage::Fetch, kind, message);
    if kind.is_certificate() { failure.permanent() } else { failure }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("connect failed")]
    struct Wrapper(#[source] std::io::Error);

    #[test]
    fn a_descriptor_shortage_is_found_however_deep_it_sits() {
        let shortage = Wrapper(std::io::Error::from_raw_os_error(libc::EMFILE));
        assert!(is_local_shortage(&shortage));
        let refused = Wrapper(std::io::Error::from_raw_os_error(libc::ECONNREFUSED));
        assert!(!is_local_shortage(&refused), "a refused connection is the site's doing");
    }

    #[test]
    fn a_certificate_error_inside_an_io_error_is_found_by_its_type() {
        use rustls::CertificateError as Cert;
        let wrapped =
            |error: rustls::Error| Wrapper(std::io::Error::new(std::io::ErrorKind::InvalidData, error));
        let kind_of = |error: rustls::Error| {
            let outer = wrapped(error);
            let found = causes(&outer).find_map(rustls_error).cloned();
            found.map(|tls| tls_failure(&tls, String::new()).kind)
        };
        assert_eq!(kind_of(rustls::Error::InvalidCertificate(Cert::Expired)), Some(Kind::TlsExpired));
        assert_eq!(kind_of(rustls::Error::InvalidCertificate(Cert::NotValidYet)), Some(Kind::TlsExpired));
        assert_eq!(kind_of(rustls::Error::InvalidCertificate(Cert::UnknownIssuer)), Some(Kind::TlsUntrusted));
        assert_eq!(kind_of(rustls::Error::InvalidCertificate(Cert::BadSignature)), Some(Kind::TlsUntrusted));
        assert_eq!(
            kind_of(rustls::Error::InvalidCertificate(Cert::NotValidForName)),
            Some(Kind::TlsWrongHost)
        );
        assert_eq!(
            kind_of(rustls::Error::AlertReceived(rustls::AlertDescription::HandshakeFailure)),
            Some(Kind::TlsHandshake)
        );
    }
}
