//! Naming the kind of a failed request from what the error is and what caused it.
//!
//! A shortage of the service's own (no descriptor, no buffer, no memory) is told apart from
//! anything the site did: it is [`Kind::LocalResource`], which never counts against a domain.

use std::error::Error as StdError;
use std::io;

use super::dns::DnsFailure;
use super::resolver::{BlockedAddress, SystemLookup};
use crate::failure::{Failure, Kind, Stage};

/// Operating-system errors that mean this process, not the remote site, ran short.
pub const LOCAL_SHORTAGES: [i32; 4] = [libc::EMFILE, libc::ENFILE, libc::ENOBUFS, libc::ENOMEM];

/// Whether `error`, or anything that caused it, is an operating-system shortage of this process.
pub fn is_local_shortage(error: &(dyn StdError + 'static)) -> bool {
    causes(error).into_iter().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .and_then(io::Error::raw_os_error)
            .is_some_and(|code| LOCAL_SHORTAGES.contains(&code))
    })
}

/// `error` and its sources, outermost first: the chain its message is written from.
fn sources<'a>(error: &'a (dyn StdError + 'static)) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    std::iter::successors(Some(error), |cause: &&'a (dyn StdError + 'static)| (*cause).source())
}

/// `error`, its sources, and what the wrappers among them wrap, outermost first: every typed
/// error a failure may carry. An `io::Error` wrapping an error does not return it as its source
/// (it returns the wrapped error's own source), and the TLS stream wraps rustls's error in an
/// `io::Error` that the connector may wrap again: each is opened here, as is [`SystemLookup`].
fn causes<'a>(error: &'a (dyn StdError + 'static)) -> Vec<&'a (dyn StdError + 'static)> {
    let mut found = Vec::new();
    for cause in sources(error) {
        found.push(cause);
        if let Some(wrapped) = opened(cause) {
            // The wrapper's source is the wrapped error's own: the wrapped chain covers it.
            found.extend(causes(wrapped));
            break;
        }
    }
    found
}

/// The error `cause` wraps without returning it as its source, if it is such a wrapper.
fn opened<'a>(cause: &'a (dyn StdError + 'static)) -> Option<&'a (dyn StdError + 'static)> {
    if let Some(lookup) = cause.downcast_ref::<SystemLookup>() {
        return Some(&lookup.0);
    }
    let wrapped: &'a (dyn StdError + 'static) = cause.downcast_ref::<io::Error>()?.get_ref()?;
    Some(wrapped)
}

/// The first error of type `T` in `error` or anything inside it.
fn find<'a, T: StdError + 'static>(error: &'a (dyn StdError + 'static)) -> Option<&'a T> {
    causes(error).into_iter().find_map(|cause| cause.downcast_ref::<T>())
}

/// The message of `error`: its chain of sources, outermost first.
fn message(error: &(dyn StdError + 'static)) -> String {
    sources(error).map(ToString::to_string).collect::<Vec<_>>().join(": ")
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
    if let Some(failure) = find::<DnsFailure>(error) {
        return dns(failure);
    }
    let chain = message(error);
    if find::<BlockedAddress>(error).is_some() {
        return Failure::new(Stage::Fetch, Kind::BlockedAddress, chain).permanent();
    }
    if is_local_shortage(error) {
        return Failure::new(Stage::Fetch, Kind::LocalResource, chain);
    }
    Failure::new(Stage::Fetch, Kind::Dns, chain)
}

/// The failure of a request that reqwest could not complete, from the types of the errors it
/// carries: the resolver's, the address guard's, the operating system's and rustls's.
pub fn classify(error: &reqwest::Error) -> Failure {
    if let Some(failure) = find::<DnsFailure>(error) {
        return dns(failure);
    }
    let chain = message(error);
    if find::<BlockedAddress>(error).is_some() {
        return Failure::new(Stage::Fetch, Kind::BlockedAddress, chain).permanent();
    }
    if is_local_shortage(error) {
        return Failure::new(Stage::Fetch, Kind::LocalResource, chain);
    }
    if let Some(tls) = find::<rustls::Error>(error) {
        return tls_failure(tls, chain);
    }
    let kind = if error.is_timeout() {
        Kind::Timeout
    } else if error.is_redirect() {
        Kind::Redirect
    } else if find::<SystemLookup>(error).is_some() {
        Kind::Dns
    } else if error.is_connect() && handshake_cut(error) {
        Kind::Tls
    } else if error.is_body() || error.is_decode() {
        Kind::Other
    } else {
        Kind::Connect
    };
    Failure::new(Stage::Fetch, kind, chain)
}

/// Whether the connection ended in the middle of the TLS handshake: the peer accepted the TCP
/// connection and closed it before the handshake was over. tokio-rustls reports that as a bare
/// `io::Error` of kind `UnexpectedEof` ("tls handshake eof"), with no rustls error inside; a
/// plain TCP connect never ends that way, so within the connector it can only be the handshake.
fn handshake_cut(error: &(dyn StdError + 'static)) -> bool {
    causes(error)
        .into_iter()
        .filter_map(|cause| cause.downcast_ref::<io::Error>())
        .any(|io| io.kind() == io::ErrorKind::UnexpectedEof)
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
    struct Wrapper(#[source] io::Error);

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
            let found = find::<rustls::Error>(&outer).cloned();
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

    #[test]
    fn a_failed_system_lookup_is_dns_by_its_type_and_keeps_its_message() {
        let lookup =
            SystemLookup(io::Error::other("failed to lookup address information: Name or service not known"));
        let outer = Wrapper(io::Error::other(lookup));
        assert!(find::<SystemLookup>(&outer).is_some(), "found inside the io::Error that carries it");
        let failure = resolution(&SystemLookup(io::Error::other("no such host")));
        assert_eq!((failure.kind, failure.message.as_str()), (Kind::Dns, "no such host"));
        let short = resolution(&SystemLookup(io::Error::from_raw_os_error(libc::EMFILE)));
        assert_eq!(short.kind, Kind::LocalResource, "the io::Error inside the look-up is opened");
    }

    #[test]
    fn a_handshake_cut_short_is_told_by_the_kind_of_its_io_error() {
        let eof = Wrapper(io::Error::new(io::ErrorKind::UnexpectedEof, "tls handshake eof"));
        assert!(handshake_cut(&eof));
        let refused = Wrapper(io::Error::from(io::ErrorKind::ConnectionRefused));
        assert!(!handshake_cut(&refused));
    }

    #[test]
    fn typed_failures_are_found_however_they_are_wrapped() {
        let blocked = Wrapper(io::Error::other(BlockedAddress("a.com resolves to 10.0.0.1".into())));
        let failure = resolution(&blocked);
        assert_eq!(failure.kind, Kind::BlockedAddress);
        assert!(failure.permanent);
        let nxdomain = Wrapper(io::Error::other(DnsFailure::NxDomain("gone.com".into())));
        let failure = resolution(&nxdomain);
        assert_eq!((failure.kind, failure.permanent), (Kind::DnsNxdomain, true));
        assert_eq!(failure.message, "gone.com: the name does not exist (NXDOMAIN)");
        let rustls = io::Error::new(
            io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(rustls::CertificateError::Expired),
        );
        let twice = Wrapper(io::Error::other(rustls));
        assert!(find::<rustls::Error>(&twice).is_some(), "an io::Error inside an io::Error is opened too");
    }
}
