//! Whether a callback URL may be sent to: its host must be, and resolve to, public addresses
//! only (the fetcher's guard). Checked at submission, with a bounded look-up, and again at each
//! delivery on what the name resolves to then (`sender`), so a name that changes its answer is
//! still caught.
//!
//! The check is a method of [`CallbackUrl`] written here rather than beside the type: the URL
//! is parsed on the ground floor, while the check needs the resolver and the guard of `fetch`.

use std::net::IpAddr;
use std::time::Duration;

use crate::callback_url::CallbackUrl;
use crate::fetch::{Dns, DnsSettings, is_public};

/// How long the look-up of a callback's host may take at submission. A name that does not
/// resolve in that time is accepted: every delivery resolves and checks it again.
pub const RESOLVE_TIMEOUT: Duration = Duration::from_secs(3);

/// A callback URL whose host is, or resolves to, an address callbacks may not reach.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum BlockedCallback {
    #[error("blocked address: {0} is not a public address")]
    Address(IpAddr),
    #[error("blocked address: {host} resolves to {ip}, which is not a public address")]
    Resolves { host: String, ip: IpAddr },
}

impl CallbackUrl {
    /// Refuses a host that is, or resolves to, a loopback, private, link-local or otherwise
    /// non-public address (the fetcher's guard). The look-up runs on the service's resolver
    /// under [`RESOLVE_TIMEOUT`]; a name that does not resolve in time passes, to be checked
    /// again at each delivery.
    pub async fn check_address(&self, dns: &DnsSettings) -> Result<(), BlockedCallback> {
        let host = match self.as_url().host() {
            Some(url::Host::Ipv4(ip)) => return check_ip(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => return check_ip(IpAddr::V6(ip)),
            Some(url::Host::Domain(host)) => host.to_owned(),
            None => return Ok(()),
        };
        // The service's own resolver, under the operator's DNS settings: no thread waits, and
        // a name that gives no answer in time is accepted, since each delivery checks again.
        let Ok(resolver) = Dns::new(dns) else { return Ok(()) };
        let Ok(Ok(addresses)) = tokio::time::timeout(RESOLVE_TIMEOUT, resolver.addresses(&host)).await else {
            return Ok(());
        };
        match addresses.iter().copied().find(|ip| !is_public(*ip)) {
            Some(ip) => Err(BlockedCallback::Resolves { host: host.clone(), ip }),
            None => Ok(()),
        }
    }
}

fn check_ip(ip: IpAddr) -> Result<(), BlockedCallback> {
    if is_public(ip) { Ok(()) } else { Err(BlockedCallback::Address(ip)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names go to a closed local port: these tests never ask the machine's name server.
    fn no_name_server() -> DnsSettings {
        DnsSettings { servers: vec!["127.0.0.1:9".parse().unwrap()], ..DnsSettings::default() }
    }

    #[tokio::test]
    async fn loopback_private_and_link_local_hosts_are_refused_without_leaving_the_machine() {
        for (text, address) in [
            ("http://127.0.0.1:9/hook", "127.0.0.1"),
            ("http://10.0.0.1/hook", "10.0.0.1"),
            ("http://169.254.169.254/latest/meta-data", "169.254.169.254"),
            ("http://[::1]:9/hook", "::1"),
        ] {
            let refused = CallbackUrl::parse(text).unwrap().check_address(&no_name_server()).await;
            assert_eq!(refused, Err(BlockedCallback::Address(address.parse().unwrap())), "{text}");
        }
        let by_name =
            CallbackUrl::parse("http://localhost:9/hook").unwrap().check_address(&no_name_server()).await;
        assert!(
            matches!(&by_name, Err(BlockedCallback::Resolves { host, .. }) if host == "localhost"),
            "{by_name:?}"
        );
        assert_eq!(
            CallbackUrl::parse("https://93.184.216.34/hook").unwrap().check_address(&no_name_server()).await,
            Ok(())
        );
    }
}
