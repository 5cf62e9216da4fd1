//! Sending one callback: a POST of the signed JSON body under a deadline, only to an address
//! the guard allows, never following a redirect (a receiver that moved answers 3xx, which is a
//! failed attempt like any answer but 2xx).

use std::error::Error as StdError;
use std::net::IpAddr;
use std::time::Duration;

use reqwest::header::CONTENT_TYPE;

use super::signature::HEADER;
use crate::callback_url::CallbackUrl;
use crate::fetch::{BlockedAddress, is_public};

/// The deadline of one attempt, connection included.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// What came of one attempt.
#[derive(Debug, PartialEq, Eq)]
pub enum Sent {
    /// The receiver answered 2xx.
    Delivered { status: u16 },
    /// Another answer, or none (connection, time-out): worth another attempt.
    Failed { status: Option<u16>, error: String },
    /// The address is not one callbacks may reach; sending again would not change that.
    Refused { error: String },
}

#[derive(Debug, thiserror::Error)]
#[error("cannot build the callback client: {0}")]
pub struct ClientError(String);

pub struct Sender {
    client: reqwest::Client,
    allow_private: bool,
}

impl Sender {
    pub fn new(allow_private: bool, user_agent: &str) -> Result<Sender, ClientError> {
        let client = crate::fetch::guarded_client(allow_private)
            .map_err(|error| ClientError(error.to_string()))?
            .user_agent(user_agent)
            .timeout(ATTEMPT_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|error| ClientError(error.to_string()))?;
        Ok(Sender { client, allow_private })
    }

    /// POSTs `body` with its `signature` header to `url`.
    pub async fn send(&self, url: &CallbackUrl, body: Vec<u8>, signature: &str) -> Sent {
        // An address written in the URL is dialled as is, without a look-up for the resolver's
        // guard to check: it is checked here.
        if !self.allow_private
            && let Some(ip) = literal_address(url)
            && !is_public(ip)
        {
            return Sent::Refused { error: format!("blocked address: {ip} is not a public address") };
        }
        let request = self
            .client
            .post(url.as_url().clone())
            .header(CONTENT_TYPE, "application/json")
            .header(HEADER, signature)
            .body(body);
        match request.send().await {
            Ok(response) if response.status().is_success() => {
                Sent::Delivered { status: response.status().as_u16() }
            }
            Ok(response) => Sent::Failed {
                status: Some(response.status().as_u16()),
                error: format!("the receiver answered {}", response.status()),
            },
            Err(error) if causes(&error).any(|cause| cause.is::<BlockedAddress>()) => {
                let blocked = causes(&error).find(|cause| cause.is::<BlockedAddress>());
                Sent::Refused { error: blocked.map(ToString::to_string).unwrap_or_else(|| error.to_string()) }
            }
            Err(error) => {
                // reqwest names the URL in its message, credentials included: leave it out.
                let error = error.without_url();
                Sent::Failed {
                    status: None,
                    error: causes(&error).map(ToString::to_string).collect::<Vec<_>>().join(": "),
                }
            }
        }
    }
}

fn literal_address(url: &CallbackUrl) -> Option<IpAddr> {
    match url.as_url().host()? {
        url::Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
        url::Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
        url::Host::Domain(_) => None,
    }
}

/// `error` and everything that caused it.
fn causes<'a>(error: &'a (dyn StdError + 'static)) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    std::iter::successors(Some(error), |cause: &&'a (dyn StdError + 'static)| (*cause).source())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_loopback_or_private_address_in_the_url_is_refused_without_a_connection() {
        let sender = Sender::new(false, "test").unwrap();
        for text in [
            "http://127.0.0.1:9/hook",
            "http://[::1]:9/hook",
            "http://169.254.169.254/latest",
            "http://10.1.2.3/",
        ] {
            let url = CallbackUrl::parse(text).unwrap();
            let sent = sender.send(&url, b"{}".to_vec(), "t=0,v1=00").await;
            assert!(
                matches!(&sent, Sent::Refused { error } if error.starts_with("blocked address")),
                "{text}: {sent:?}"
            );
        }
    }
}
