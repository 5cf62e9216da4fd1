//! Submitting domains: what the command line's `add` and the API's `POST /api/v1/domains` (and
//! its compatibility `scan`) share before a batch is written. Each face reads its own request
//! form and words its own answers; the rules are here, once:
//!
//! - [`standardise`] sorts the inputs into standardised names and refused inputs, each with its
//!   reason and stable code, and warns of (or, with `refuse_confusable`, refuses) names that may
//!   read as another;
//! - [`callback_url`] is the gate a callback URL passes: the service must be able to sign the
//!   callback, and the URL must be one it sends to;
//! - [`MaxPages`] and [`RescanAfter`] are the submission's checked settings, which
//!   [`crate::store::domains::enqueue`] writes with the batch.

pub use crate::max_pages::MaxPages;
pub use crate::rescan_after::RescanAfter;

use crate::callback_url::{CallbackUrl, InvalidCallbackUrl};
use crate::callbacks::address::BlockedCallback;
use crate::config::Settings;
use crate::domain_name::DomainName;
use crate::domain_name::confusable::Confusable;

/// A submission's inputs sorted out.
#[derive(Debug, Default)]
pub struct Standardised {
    /// The standardised names, in the order given.
    pub valid: Vec<DomainName>,
    /// Each refused input, in the order given.
    pub refused: Vec<Refused>,
    /// Valid names that may read as another, in the order given.
    pub warnings: Vec<Warning>,
}

/// An input that is not a name the service can fetch, or a name refused as confusable.
#[derive(Debug)]
pub struct Refused {
    /// Its place among the inputs, from 0.
    pub index: usize,
    /// Why, in words.
    pub reason: String,
    /// Why, as a stable code (`invalid_characters`, `unknown_suffix`, `confusable`, ...).
    pub code: &'static str,
}

/// A name accepted that may read as another name.
#[derive(Debug)]
pub struct Warning {
    /// Its place among the inputs, from 0.
    pub index: usize,
    pub name: DomainName,
    /// What is wrong with it, in words; its code is [`Confusable::CODE`].
    pub reason: String,
}

/// Splits `inputs` into standardised names and refused inputs, each with its reason. A name
/// that may read as another (UTS #39) is accepted with a warning, or refused with
/// `refuse_confusable`.
pub fn standardise<S: AsRef<str>>(inputs: &[S], refuse_confusable: bool) -> Standardised {
    let mut sorted = Standardised::default();
    for (index, input) in inputs.iter().enumerate() {
        match DomainName::parse(input.as_ref()) {
            Ok(name) => match name.confusable() {
                None => sorted.valid.push(name),
                Some(reason) if refuse_confusable => {
                    sorted.refused.push(Refused { index, reason: reason.to_string(), code: Confusable::CODE })
                }
                Some(reason) => {
                    sorted.warnings.push(Warning { index, name: name.clone(), reason: reason.to_string() });
                    sorted.valid.push(name);
                }
            },
            Err(reason) => {
                sorted.refused.push(Refused { index, reason: reason.to_string(), code: reason.code() })
            }
        }
    }
    sorted
}

/// Why a callback URL is refused.
#[derive(Debug)]
pub enum CallbackRefused {
    /// The service has no `DOMAIN_SCHEDULER_CALLBACK_SECRET` to sign callbacks with.
    Disabled,
    /// Not an http(s) URL the service can send to.
    Invalid(InvalidCallbackUrl),
    /// Its host is, or resolves to, a non-public address while private networks are not allowed.
    Blocked(CallbackUrl, BlockedCallback),
}

/// The submission's callback URL, checked before anything is written: the service must be able
/// to sign the callback, and the URL must be http(s) with a host that is public (unless private
/// networks are allowed).
pub async fn callback_url(settings: &Settings, text: &str) -> Result<CallbackUrl, CallbackRefused> {
    if settings.callbacks.secret.is_none() {
        return Err(CallbackRefused::Disabled);
    }
    let url = CallbackUrl::parse(text).map_err(CallbackRefused::Invalid)?;
    if !settings.fetch.allow_private_networks
        && let Err(refused) = url.check_address(&settings.fetch.dns).await
    {
        return Err(CallbackRefused::Blocked(url, refused));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_are_sorted_in_their_order_with_their_places() {
        let inputs = ["Example.COM", "not a domain", "https://www.shop.org/x", "localhost"];
        let sorted = standardise(&inputs, false);
        let valid: Vec<String> = sorted.valid.iter().map(DomainName::to_string).collect();
        assert_eq!(valid, ["example.com", "shop.org"]);
        let places: Vec<usize> = sorted.refused.iter().map(|refused| refused.index).collect();
        assert_eq!(places, [1, 3]);
        assert!(sorted.warnings.is_empty());
    }

    #[test]
    fn a_confusable_name_is_accepted_with_a_warning_or_refused() {
        let inputs = ["\u{430}pple.com"];
        let warned = standardise(&inputs, false);
        assert_eq!((warned.valid.len(), warned.warnings.len(), warned.refused.len()), (1, 1, 0));
        let refused = standardise(&inputs, true);
        assert_eq!((refused.valid.len(), refused.warnings.len()), (0, 0));
        assert_eq!(refused.refused[0].code, Confusable::CODE);
    }
}
