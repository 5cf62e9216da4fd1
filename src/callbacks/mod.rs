//! Completion callbacks: a submission may name a URL that is told, once, when its batch has
//! finished (every domain `completed` or `error`).
//!
//! - [`url`]: the callback URL a submission gives (http or https), parsed once;
//! - [`signature`]: `X-Domain-Scheduler-Signature: t=UNIX,v1=HEX`, HMAC-SHA256 over
//!   `"{t}.{body}"`, and how a receiver checks it;
//! - [`sender`]: one POST under a deadline, to addresses the fetcher's guard allows (never
//!   through `DOMAIN_SCHEDULER_FETCH_CONNECT_TO`, which routes site fetches only).

pub mod sender;
pub mod signature;
pub mod url;

pub use url::{CallbackUrl, InvalidCallbackUrl};
