//! The signature of a callback: header `X-Domain-Scheduler-Signature: t=UNIX,v1=HEX`, where HEX
//! is the lower-case hex HMAC-SHA256 of `"{t}.{body}"` keyed with the callback secret. The
//! timestamp is part of what is signed, so a receiver that refuses old timestamps also refuses
//! a captured request sent again later: [`verify`] is what a receiver does.

use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The header that carries the signature.
pub const HEADER: &str = "X-Domain-Scheduler-Signature";

type HmacSha256 = Hmac<Sha256>;

/// The key was refused by the HMAC (never for HMAC-SHA256, which takes keys of any length; a
/// type rather than a panic all the same).
#[derive(Debug, thiserror::Error)]
#[error("the callback secret cannot key HMAC-SHA256")]
pub struct UnusableKey;

/// Why a signature does not hold.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum BadSignature {
    #[error("the header is not `t=UNIX,v1=HEX`")]
    Malformed,
    #[error("the timestamp is {0} s away from now: a replay, or a clock far off")]
    Stale(u64),
    #[error("the signature does not match the body")]
    Mismatch,
}

fn mac(secret: &[u8], timestamp: i64, body: &[u8]) -> Result<HmacSha256, UnusableKey> {
    let mut mac = HmacSha256::new_from_slice(secret).map_err(|_| UnusableKey)?;
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Ok(mac)
}

/// The header value for `body` sent at `timestamp` (Unix seconds).
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> Result<String, UnusableKey> {
    let code = mac(secret, timestamp, body)?.finalize().into_bytes();
    Ok(format!("t={timestamp},v1={}", hex::encode(code)))
}

/// Checks `header` against `body` as a receiver would: the HMAC must match (compared in
/// constant time) and the timestamp must be within `tolerance` of `now` (Unix seconds).
pub fn verify(
    secret: &[u8],
    header: &str,
    body: &[u8],
    now: i64,
    tolerance: Duration,
) -> Result<(), BadSignature> {
    let mut timestamp = None;
    let mut code = None;
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => timestamp = value.parse::<i64>().ok(),
            Some(("v1", value)) => code = hex::decode(value).ok(),
            _ => {}
        }
    }
    let (Some(timestamp), Some(code)) = (timestamp, code) else {
        return Err(BadSignature::Malformed);
    };
    let age = now.abs_diff(timestamp);
    if age > tolerance.as_secs() {
        return Err(BadSignature::Stale(age));
    }
    let mac = mac(secret, timestamp, body).map_err(|_| BadSignature::Mismatch)?;
    mac.verify_slice(&code).map_err(|_| BadSignature::Mismatch)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"a-long-random-signing-key";
    const FIVE_MINUTES: Duration = Duration::from_secs(300);

    #[test]
    fn the_signature_is_the_hmac_sha256_of_the_timestamp_a_dot_and_the_body() {
        // Reference value: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac a-long-random-signing-key
        let header = sign(SECRET, 1_700_000_000, br#"{"a":1}"#).unwrap();
        assert_eq!(
            header,
            "t=1700000000,v1=909c076ffcc1fe2ca95978691c0bf6be9309364b82a329e3acd0733c0578eb27"
        );
    }

    #[test]
    fn a_receiver_accepts_a_fresh_signature_of_the_same_body() {
        let header = sign(SECRET, 1_700_000_000, b"{}").unwrap();
        assert_eq!(verify(SECRET, &header, b"{}", 1_700_000_010, FIVE_MINUTES), Ok(()));
    }

    #[test]
    fn a_changed_body_or_another_key_does_not_verify() {
        let header = sign(SECRET, 1_700_000_000, b"{\"counts\":1}").unwrap();
        let now = 1_700_000_000;
        assert_eq!(
            verify(SECRET, &header, b"{\"counts\":2}", now, FIVE_MINUTES),
            Err(BadSignature::Mismatch)
        );
        assert_eq!(
            verify(b"another-key-entirely", &header, b"{\"counts\":1}", now, FIVE_MINUTES),
            Err(BadSignature::Mismatch)
        );
    }

    #[test]
    fn a_request_replayed_after_the_tolerance_is_refused() {
        let header = sign(SECRET, 1_700_000_000, b"{}").unwrap();
        assert_eq!(
            verify(SECRET, &header, b"{}", 1_700_000_301, FIVE_MINUTES),
            Err(BadSignature::Stale(301))
        );
    }

    #[test]
    fn a_moved_timestamp_breaks_the_signature() {
        let header = sign(SECRET, 1_700_000_000, b"{}").unwrap();
        let moved = header.replace("t=1700000000", "t=1700000100");
        assert_eq!(verify(SECRET, &moved, b"{}", 1_700_000_100, FIVE_MINUTES), Err(BadSignature::Mismatch));
    }

    #[test]
    fn a_header_without_both_parts_is_malformed() {
        assert_eq!(verify(SECRET, "v1=00", b"{}", 0, FIVE_MINUTES), Err(BadSignature::Malformed));
        assert_eq!(verify(SECRET, "t=1,v1=zz", b"{}", 1, FIVE_MINUTES), Err(BadSignature::Malformed));
    }
}
