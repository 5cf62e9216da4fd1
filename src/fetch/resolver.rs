//! Name resolution for the fetcher: to the operator's `connect_to` address when set, else by the
//! service's own resolver ([`Dns`]), refusing non-public answers unless allowed. Checking here,
//! at connect time, means a name that changes its answer (DNS rebinding) is still checked on
//! what is dialled.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use super::dns::Dns;
use super::guard::is_public;

/// A refused destination: a name that resolves, or a redirect that points, to a non-public
/// address. Carried inside reqwest's errors and found again through `source()`.
#[derive(Debug, thiserror::Error)]
#[error("blocked address: {0}")]
pub struct BlockedAddress(pub String);

/// A look-up by the system's resolver (`getaddrinfo`, for the operator's `connect_to` target and
/// for clients without the service's resolver) that failed. The standard library reports it as
/// an `io::Error` of no kind a program can name: this type says it was the name's look-up, so
/// the failure is classified as `dns` by its type. It shows and chains as the `io::Error` does
/// (its message is unchanged); the classifier opens it to reach the `io::Error` itself.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct SystemLookup(pub std::io::Error);

/// The system's addresses of `target` (`host:port`), a failure wrapped in [`SystemLookup`].
async fn system_lookup(
    target: impl tokio::net::ToSocketAddrs,
) -> Result<impl Iterator<Item = SocketAddr>, SystemLookup> {
    tokio::net::lookup_host(target).await.map_err(SystemLookup)
}

#[derive(Clone)]
pub struct GuardedResolver {
    pub connect_to: Option<String>,
    pub allow_private: bool,
    /// Fixed answers for chosen names, checked by the guard like any other answer (tests of
    /// rebinding and of names that point inside the network).
    pub overrides: Arc<HashMap<String, Vec<IpAddr>>>,
    /// The service's resolver; `None` asks the system (`getaddrinfo` on the blocking pool), which
    /// only the rare completion callbacks do.
    pub dns: Option<Dns>,
}

impl GuardedResolver {
    /// The addresses `host` is dialled at, each checked by the address guard.
    pub async fn addresses(
        &self,
        host: &str,
    ) -> Result<Vec<IpAddr>, Box<dyn std::error::Error + Send + Sync>> {
        let ips: Vec<IpAddr> = match (self.overrides.get(host), &self.dns) {
            (Some(fixed), _) => fixed.clone(),
            (None, Some(dns)) => dns.addresses(host).await?.to_vec(),
            (None, None) => system_lookup((host, 0)).await?.map(|addr| addr.ip()).collect(),
        };
        if !self.allow_private
            && let Some(bad) = ips.iter().find(|ip| !is_public(**ip))
        {
            return Err(Box::new(BlockedAddress(format!("{host} resolves to {bad}"))));
        }
        Ok(ips)
    }
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let resolver = self.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            if let Some(target) = resolver.connect_to.clone() {
                let addrs: Vec<SocketAddr> = system_lookup(target).await?.collect();
                return Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs);
            }
            let addrs: Vec<SocketAddr> =
                resolver.addresses(&host).await?.into_iter().map(|ip| SocketAddr::new(ip, 0)).collect();
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}
