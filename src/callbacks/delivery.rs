//! The delivery loop. Every [`LOOK_EVERY`] it claims the finished batches whose callback is due
//! (a first attempt, or a retry whose time has come), sends each one's summary, signed, and
//! records the attempt. A failed attempt (an answer other than 2xx, no answer, a time-out) is
//! tried again after `DOMAIN_SCHEDULER_CALLBACK_RETRY_BASE_SECONDS`, doubling each time up to
//! an hour, until `DOMAIN_SCHEDULER_CALLBACK_MAX_ATTEMPTS` attempts were made; the callback is
//! then recorded as failed. A refused address is not tried again.
//!
//! All it knows comes from the database, so a batch that finished while no service ran is
//! announced by the next one to start, and instances sharing a database share the work: a
//! claim is a lease, and an attempt in flight is never claimed by another instance.

use std::net::SocketAddr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::batch_jobs;
use sea_orm::{DatabaseConnection, DbErr};
use serde::Serialize;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::Instrument;
use uuid::Uuid;

use super::sender::{ATTEMPT_TIMEOUT, ClientError, Sender, Sent};
use super::signature;
use crate::backoff::Backoff;
use crate::callback_url::{self, CallbackUrl};
use crate::config::{CallbackSecret, Settings};
use crate::store::{self, StatusCounts, callbacks::AttemptRecord};

/// How often the loop looks for due callbacks.
pub const LOOK_EVERY: Duration = Duration::from_secs(2);
/// Callbacks claimed (and sent side by side) per look.
const CLAIM: u64 = 16;
/// How long a claimed callback is this instance's: well beyond one attempt's deadline, so a
/// live instance always records its attempt before another may claim it.
const LEASE: Duration = Duration::from_secs(60);
/// The longest wait between two attempts.
const LONGEST_RETRY: Duration = Duration::from_secs(3600);

const _: () = assert!(LEASE.as_secs() > 2 * ATTEMPT_TIMEOUT.as_secs());

/// The body of a callback.
#[derive(Debug, Serialize)]
pub struct Announcement {
    pub batch_id: Uuid,
    pub tenant_id: Uuid,
    pub counts: StatusCounts,
    /// When the batch was submitted.
    pub started_at: DateTime<Utc>,
    /// When its last domain reached its final state.
    pub finished_at: DateTime<Utc>,
    /// When an operator cancelled the batch (its cancelled domains count as `error`); null:
    /// never cancelled.
    pub cancelled_at: Option<DateTime<Utc>>,
    /// The batch's progress on the API.
    pub results_url: String,
    /// The batch's domains, exported.
    pub export_url: String,
}

/// The running loop.
pub struct Deliveries {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Deliveries {
    /// Starts the loop, or `None` without a callback secret: nothing could be signed, and due
    /// callbacks wait for a service that has one. `api_addr` makes the links when
    /// `DOMAIN_SCHEDULER_PUBLIC_URL` is not set.
    pub fn start(
        settings: &Settings,
        db: DatabaseConnection,
        api_addr: SocketAddr,
    ) -> Result<Option<Deliveries>, ClientError> {
        let Some(secret) = settings.callbacks.secret.clone() else {
            return Ok(None);
        };
        let base = links_base(settings, api_addr);
        let courier = Courier {
            db,
            sender: Sender::new(settings.fetch.allow_private_networks, &settings.fetch.user_agent)?,
            secret,
            base,
            max_attempts: settings.callbacks.max_attempts,
            retry_base: settings.callbacks.retry_base,
        };
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(courier.run(stopped));
        Ok(Some(Deliveries { stop, task }))
    }

    /// Stops looking; attempts in flight finish (within their deadline) and are recorded.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

/// The base of a callback's links: `DOMAIN_SCHEDULER_PUBLIC_URL`, else http:// and the address
/// the API listens on; without a trailing slash.
fn links_base(settings: &Settings, api_addr: SocketAddr) -> String {
    match &settings.callbacks.public_url {
        Some(url) => url.as_str().trim_end_matches('/').to_owned(),
        None => {
            if api_addr.ip().is_unspecified() {
                tracing::warn!(
                    %api_addr,
                    "callback links will name an unspecified address: set DOMAIN_SCHEDULER_PUBLIC_URL"
                );
            }
            format!("http://{api_addr}")
        }
    }
}

/// The wait after failed attempt number `attempt` (from 1): the base, doubled for each attempt
/// before it, at most an hour.
pub fn retry_delay(base: Duration, attempt: u32) -> Duration {
    let doublings = attempt.saturating_sub(1).min(20);
    base.saturating_mul(1 << doublings).min(LONGEST_RETRY)
}

struct Courier {
    db: DatabaseConnection,
    sender: Sender,
    secret: CallbackSecret,
    /// The API's base URL, without a trailing slash.
    base: String,
    max_attempts: u32,
    retry_base: Duration,
}

impl Courier {
    async fn run(self, mut stop: watch::Receiver<bool>) {
        let mut database_down = Backoff::new(LOOK_EVERY, Duration::from_secs(60));
        loop {
            let mut wait = LOOK_EVERY;
            match store::callbacks::claim_due(&self.db, CLAIM, LEASE).await {
                Ok(claimed) => {
                    database_down.reset();
                    let full = claimed.len() as u64 == CLAIM;
                    futures::future::join_all(claimed.into_iter().map(|batch| self.deliver(batch))).await;
                    if full {
                        wait = Duration::ZERO;
                    }
                }
                Err(error) => {
                    wait = database_down.next_delay();
                    tracing::warn!(%error, retry_in = ?wait, "cannot look for due callbacks");
                }
            }
            if *stop.borrow() {
                return;
            }
            tokio::select! {
                _ = stop.changed() => return,
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }

    /// One attempt for a claimed batch, in a span of its own.
    async fn deliver(&self, batch: batch_jobs::Model) {
        let span =
            tracing::info_span!("callback.deliver", batch_id = %batch.id, attempt = tracing::field::Empty);
        self.attempt(batch, span.clone()).instrument(span).await
    }

    /// A database failure leaves the claim to expire: the attempt is then made again.
    async fn attempt(&self, batch: batch_jobs::Model, span: tracing::Span) {
        let (Some(lease), Some(url)) = (batch.callback_due_at, batch.callback_url.clone()) else {
            return;
        };
        let prepared = async {
            let attempt = store::callbacks::attempts_made(&self.db, batch.id).await? + 1;
            Ok::<_, DbErr>((attempt, self.announcement(&batch).await?))
        };
        let (attempt, body) = match prepared.await {
            Ok(prepared) => prepared,
            Err(error) => {
                tracing::warn!(%error, "cannot prepare the callback; it is tried again once its claim expires");
                return;
            }
        };
        span.record("attempt", attempt);
        let attempted_at = Utc::now();
        let signed = signature::sign(self.secret.expose(), attempted_at.timestamp(), &body);
        let sent = match (CallbackUrl::parse(&url), signed) {
            (Err(error), _) => Sent::Refused { error: format!("not a callback URL: {error}") },
            (_, Err(error)) => Sent::Failed { status: None, error: error.to_string() },
            (Ok(target), Ok(signed)) => self.sender.send(&target, body, &signed).await,
        };
        // The attempt's row keeps the URL as it is shown, never its credentials.
        let record = self.record_of(&batch, callback_url::redact(&url), attempt, attempted_at, sent);
        match store::callbacks::record(&self.db, record, lease).await {
            Ok(true) => {}
            Ok(false) => {
                tracing::warn!("the callback's claim had expired: another instance may send it again")
            }
            Err(error) => {
                tracing::warn!(%error, "cannot record the callback attempt; it is tried again once its claim expires")
            }
        }
    }

    /// What to write for `sent`, with the next attempt's time when one is left.
    fn record_of(
        &self,
        batch: &batch_jobs::Model,
        url: String,
        attempt: u64,
        attempted_at: DateTime<Utc>,
        sent: Sent,
    ) -> AttemptRecord {
        let attempt = u32::try_from(attempt).unwrap_or(u32::MAX);
        let retry_at = || {
            (attempt < self.max_attempts).then(|| {
                let delay = retry_delay(self.retry_base, attempt);
                attempted_at + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::hours(1))
            })
        };
        let (status_code, error, next_attempt_at) = match sent {
            Sent::Delivered { status } => {
                tracing::info!(status, "callback delivered");
                (Some(i32::from(status)), None, None)
            }
            Sent::Failed { status, error } => {
                let next = retry_at();
                tracing::warn!(status, %error, next_attempt_at = ?next, "callback attempt failed");
                (status.map(i32::from), Some(error), next)
            }
            Sent::Refused { error } => {
                tracing::warn!(%error, "callback refused: not sent, and not tried again");
                (None, Some(error), None)
            }
        };
        AttemptRecord {
            batch_id: batch.id,
            url,
            attempt: i32::try_from(attempt).unwrap_or(i32::MAX),
            attempted_at,
            status_code,
            error,
            next_attempt_at,
        }
    }

    /// The JSON body announcing `batch`.
    async fn announcement(&self, batch: &batch_jobs::Model) -> Result<Vec<u8>, DbErr> {
        let counts =
            store::batches::progress(&self.db, None, batch.id).await?.map(|p| p.counts).unwrap_or_default();
        let finished_at =
            store::callbacks::finished_at(&self.db, batch.id).await?.unwrap_or(batch.created_at);
        let announcement = Announcement {
            batch_id: batch.id,
            tenant_id: batch.tenant_id,
            counts,
            started_at: batch.created_at,
            finished_at,
            cancelled_at: batch.cancelled_at,
            results_url: format!("{}/api/v1/batches/{}", self.base, batch.id),
            export_url: format!("{}/api/v1/domains/export?batch={}", self.base, batch.id),
        };
        serde_json::to_vec(&announcement).map_err(|error| DbErr::Custom(error.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_point_at_the_public_url_when_set_else_at_the_api_address() {
        let mut settings = crate::config::defaults().unwrap();
        let addr: SocketAddr = "127.0.0.1:8123".parse().unwrap();
        assert_eq!(links_base(&settings, addr), "http://127.0.0.1:8123");
        settings.callbacks.public_url = Some("https://domains.example.com/scheduler/".parse().unwrap());
        assert_eq!(links_base(&settings, addr), "https://domains.example.com/scheduler");
    }

    #[test]
    fn the_wait_between_attempts_doubles_from_the_base_up_to_an_hour() {
        let base = Duration::from_secs(30);
        let waits: Vec<u64> = (1..=9).map(|attempt| retry_delay(base, attempt).as_secs()).collect();
        assert_eq!(waits, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
    }
}
