//! Completion callbacks: a submission may name a URL that is told, once, when its batch has
//! finished (every domain `completed` or `error`).
//!
//! - [`address`]: whether a callback URL (`crate::callback_url`) may be sent to: public
//!   addresses only;
//! - [`signature`]: `X-Domain-Scheduler-Signature: t=UNIX,v1=HEX`, HMAC-SHA256 over
//!   `"{t}.{body}"`, and how a receiver checks it;
//! - [`sender`]: one POST under a deadline, to addresses the fetcher's guard allows (never
//!   through `DOMAIN_SCHEDULER_FETCH_CONNECT_TO`, which routes site fetches only);
//! - [`delivery`]: the loop `serve` runs, which finds due callbacks in the database (never in
//!   memory, so a restart loses none), claims them under a lease, sends and records each
//!   attempt in `callback_deliveries`, and retries with a doubling delay.
//!
//! The queries are in [`crate::store::callbacks`]. Nothing here touches the actors: a batch's
//! end is read from its domains, as its status is.

pub mod address;
pub mod delivery;
pub mod sender;
pub mod signature;

pub use delivery::Deliveries;
pub use sender::ClientError;
