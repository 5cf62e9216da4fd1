//! Name resolution for the fetcher: to the operator's `connect_to` address when set, else by the
//! system resolver, refusing non-public answers unless allowed. Checking here, at connect time,
//! means a name that changes its answer (DNS rebinding) is still checked on what is dialled.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use super::guard::is_public;

/// A refused destination: a name that resolves, or a redirect that points, to a non-public
/// address. Carried inside reqwest's errors and found again through `source()`.
#[derive(Debug, thiserror::Error)]
#[error("blocked address: {0}")]
pub struct BlockedAddress(pub String);

pub struct GuardedResolver {
    pub connect_to: Option<String>,
    pub allow_private: bool,
    /// Fixed answers for chosen names, checked by the guard like any other answer (tests of
    /// rebinding and of names that point inside the network).
    pub overrides: Arc<HashMap<String, Vec<IpAddr>>>,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let connect_to = self.connect_to.clone();
        let allow_private = self.allow_private;
        let host = name.as_str().to_owned();
        let fixed = self.overrides.get(&host).cloned();
        Box::pin(async move {
            if let Some(target) = connect_to {
                let addrs: Vec<SocketAddr> = tokio::net::lookup_host(target).await?.collect();
                return Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs);
            }
            let addrs: Vec<SocketAddr> = match fixed {
                Some(ips) => ips.into_iter().map(|ip| SocketAddr::new(ip, 0)).collect(),
                None => tokio::net::lookup_host((host.as_str(), 0)).await?.collect(),
            };
            if !allow_private && let Some(bad) = addrs.iter().find(|addr| !is_public(addr.ip())) {
                return Err(Box::new(BlockedAddress(format!("{host} resolves to {}", bad.ip())))
                    as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}
