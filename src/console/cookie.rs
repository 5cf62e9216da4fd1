//! The value of the console's session cookie: `FINGERPRINT.EXPIRES.NONCE.MAC`, signed by the
//! server. Pure: no I/O, no clock of its own.
//!
//! - `FINGERPRINT` names the signed-in token without revealing it: the first 16 bytes of
//!   HMAC-SHA256 of the token, keyed with the console's signing key (`console_keys`, which
//!   never leaves the server). Without the key, nothing in the cookie tells anything about the
//!   token, not even to a brute-force search of a weak one.
//! - `EXPIRES` (Unix seconds) is checked by the server, whatever the browser keeps.
//! - `NONCE` (16 random bytes) names the session, so signing out can revoke it alone.
//! - `MAC` is HMAC-SHA256 of the three, keyed with the signing key: a cookie changed or made up
//!   elsewhere is refused.

use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use rand::RngCore;
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// How long a session lasts.
pub const SESSION_HOURS: i64 = 12;
const FORMAT: &str = "domain-scheduler console session v2";
const FINGERPRINT_LABEL: &str = "domain-scheduler console token fingerprint v1";
const CSRF_LABEL: &str = "domain-scheduler console csrf v2";

/// A session, as its cookie says it once the signature is checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionCookie {
    /// The signed-in token's fingerprint (hex).
    pub fingerprint: String,
    /// When the session ends (Unix seconds).
    pub expires: i64,
    /// The session's own name (32 hex digits).
    pub nonce: String,
}

fn mac(key: &[u8], parts: &[&[u8]]) -> Option<Hmac<Sha256>> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).ok()?;
    for part in parts {
        // Each part is length-prefixed, so no two different sequences sign the same bytes.
        mac.update(&(part.len() as u64).to_be_bytes());
        mac.update(part);
    }
    Some(mac)
}

fn mac_hex(key: &[u8], parts: &[&[u8]]) -> Option<String> {
    Some(hex::encode(mac(key, parts)?.finalize().into_bytes()))
}

/// The fingerprint of `token` under `key`.
pub fn fingerprint(key: &[u8], token: &str) -> Option<String> {
    let full = mac(key, &[FINGERPRINT_LABEL.as_bytes(), token.as_bytes()])?.finalize().into_bytes();
    Some(hex::encode(&full[..16]))
}

/// Whether two fingerprints are the same, in constant time.
pub fn same_fingerprint(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

impl SessionCookie {
    /// A new session of `token`, from `now` for [`SESSION_HOURS`].
    pub fn start(key: &[u8], token: &str, now: DateTime<Utc>) -> Option<SessionCookie> {
        let mut nonce = [0u8; 16];
        rand::rng().fill_bytes(&mut nonce);
        Some(SessionCookie {
            fingerprint: fingerprint(key, token)?,
            expires: (now + chrono::Duration::hours(SESSION_HOURS)).timestamp(),
            nonce: hex::encode(nonce),
        })
    }

    fn signature(&self, key: &[u8]) -> Option<Hmac<Sha256>> {
        let expires = self.expires.to_string();
        mac(key, &[FORMAT.as_bytes(), self.fingerprint.as_bytes(), expires.as_bytes(), self.nonce.as_bytes()])
    }

    /// The cookie's value.
    pub fn encode(&self, key: &[u8]) -> Option<String> {
        let signature = hex::encode(self.signature(key)?.finalize().into_bytes());
        Some(format!("{}.{}.{}.{signature}", self.fingerprint, self.expires, self.nonce))
    }

    /// The session of a cookie's value: only when `key` signed it and it has not expired by
    /// `now`. Revocation is the caller's to check.
    pub fn decode(value: &str, key: &[u8], now: DateTime<Utc>) -> Option<SessionCookie> {
        let mut parts = value.split('.');
        let (Some(fingerprint), Some(expires), Some(nonce), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        let hex_of =
            |text: &str, len: usize| text.len() == len && text.bytes().all(|b| b.is_ascii_hexdigit());
        if !hex_of(fingerprint, 32) || !hex_of(nonce, 32) {
            return None;
        }
        let session = SessionCookie {
            fingerprint: fingerprint.to_owned(),
            expires: expires.parse().ok()?,
            nonce: nonce.to_owned(),
        };
        let signature = hex::decode(signature).ok()?;
        session.signature(key)?.verify_slice(&signature).ok()?;
        // A session never lasts longer than one is given, whatever its cookie says.
        let latest = (now + chrono::Duration::hours(SESSION_HOURS)).timestamp();
        (now.timestamp() < session.expires && session.expires <= latest).then_some(session)
    }

    /// When the session ends.
    pub fn expires_at(&self) -> DateTime<Utc> {
        DateTime::from_timestamp(self.expires, 0).unwrap_or_default()
    }

    /// The CSRF token of the session's forms: another site can neither read nor compute it, and
    /// it ends with the session.
    pub fn csrf(&self, key: &[u8]) -> Option<String> {
        mac_hex(key, &[CSRF_LABEL.as_bytes(), self.nonce.as_bytes()])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";

    #[test]
    fn a_cookie_reads_back_as_the_session_it_was_made_from() {
        let now = Utc::now();
        let session = SessionCookie::start(KEY, "secret-token", now).unwrap();
        let value = session.encode(KEY).unwrap();
        assert_eq!(SessionCookie::decode(&value, KEY, now), Some(session.clone()));
        assert!(!value.contains("secret-token") && !value.contains(&hex::encode("secret-token")));
        assert_eq!(session.fingerprint, fingerprint(KEY, "secret-token").unwrap());
    }

    #[test]
    fn a_cookie_is_refused_once_expired_or_under_another_key() {
        let now = Utc::now();
        let value = SessionCookie::start(KEY, "t", now).unwrap().encode(KEY).unwrap();
        let later = now + chrono::Duration::hours(SESSION_HOURS) + chrono::Duration::seconds(1);
        assert_eq!(SessionCookie::decode(&value, KEY, later), None, "expired on the server's clock");
        assert_eq!(SessionCookie::decode(&value, b"another key", now), None);
    }

    #[test]
    fn a_changed_cookie_is_refused() {
        let now = Utc::now();
        let session = SessionCookie::start(KEY, "t", now).unwrap();
        let value = session.encode(KEY).unwrap();
        let longer = value.replacen(&session.expires.to_string(), &(session.expires + 3600).to_string(), 1);
        assert_eq!(SessionCookie::decode(&longer, KEY, now), None, "a later expiry needs a new signature");
        let other = SessionCookie { fingerprint: "0".repeat(32), ..session.clone() };
        let forged = format!("{}{}", other.fingerprint, &value[32..]);
        assert_eq!(SessionCookie::decode(&forged, KEY, now), None);
        assert_eq!(SessionCookie::decode("garbage", KEY, now), None);
        assert_eq!(SessionCookie::decode(&format!("{value}.x"), KEY, now), None);
    }

    #[test]
    fn each_session_has_its_own_nonce_and_csrf_token() {
        let now = Utc::now();
        let a = SessionCookie::start(KEY, "t", now).unwrap();
        let b = SessionCookie::start(KEY, "t", now).unwrap();
        assert_ne!(a.nonce, b.nonce);
        assert_ne!(a.csrf(KEY), b.csrf(KEY));
        assert_eq!(a.csrf(KEY).unwrap().len(), 64);
    }
}
