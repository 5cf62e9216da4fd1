//! Recording a failed attempt: one `domain_errors` row, `last_error`, and the decision to retry
//! (back to `pending`, due after an exponential backoff with jitter) or give up (`error`).

use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::domains::{ActiveModel, Column, Entity};
use entity::{DomainStatus, domain_errors};
use rand::Rng;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DbErr, EntityTrait, QueryFilter, TransactionSession, TransactionTrait,
};
use uuid::Uuid;

use super::due::Next;
use super::{Outcome, rescans};
use crate::failure::Failure;

/// The retry policy.
#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
    pub max_attempts: u32,
    pub base: Duration,
}

impl From<&crate::config::SchedulerSettings> for RetryPolicy {
    fn from(scheduler: &crate::config::SchedulerSettings) -> RetryPolicy {
        RetryPolicy { max_attempts: scheduler.max_attempts, base: scheduler.retry_base }
    }
}

impl RetryPolicy {
    const MAX_DELAY: Duration = Duration::from_secs(6 * 3600);
    /// A bot wall is not lifted in minutes: its retries wait this many times the usual delay,
    /// at least [`RetryPolicy::BLOCKED_LEAST`] and at most [`RetryPolicy::BLOCKED_MOST`].
    const BLOCKED_FACTOR: u32 = 16;
    const BLOCKED_LEAST: Duration = Duration::from_secs(3600);
    const BLOCKED_MOST: Duration = Duration::from_secs(24 * 3600);

    /// Delay before the next attempt after `failure`: [`RetryPolicy::delay`], longer for a bot
    /// wall, and never before the wait the answer asked for (`Retry-After`).
    pub fn delay_after(&self, failure: &Failure, attempts: u32) -> Duration {
        let usual = self.delay(attempts);
        let delay = match failure.kind {
            crate::failure::Kind::Blocked => {
                usual.saturating_mul(Self::BLOCKED_FACTOR).clamp(Self::BLOCKED_LEAST, Self::BLOCKED_MOST)
            }
            _ => usual,
        };
        delay.max(failure.retry_after.unwrap_or_default())
    }

    /// Delay before attempt `attempts + 1`: `base * 2^(attempts-1)`, at most six hours, with
    /// ±20 % jitter so retries of one failing run do not arrive together.
    pub fn delay(&self, attempts: u32) -> Duration {
        let exponent = attempts.saturating_sub(1).min(20);
        let delay = self.base.saturating_mul(1 << exponent).min(Self::MAX_DELAY);
        let jitter = rand::rng().random_range(0.8..1.2);
        delay.mul_f64(jitter)
    }
}

/// One failed attempt of a claimed domain.
pub struct FailedAttempt<'a> {
    pub domain_id: Uuid,
    pub run_id: Option<Uuid>,
    /// Attempts counted so far, this one included (the claim counted it).
    pub attempts: i32,
    pub failure: &'a Failure,
    /// When the domain last succeeded: the attempt belongs to a re-scan, whose failures keep
    /// the good metadata (see [`super::rescans`]).
    pub last_success: Option<DateTime<Utc>>,
    /// The domain's re-scan interval (`None`: never).
    pub rescan_after: Option<Duration>,
}

/// Writes the failure and the decision in one transaction, if `instance_id` still holds the
/// domain's lease: [`Outcome::Retried`], [`Outcome::Failed`], or [`Outcome::Skipped`] when the
/// lease had moved on and nothing was written. A first scan that gives up ends in `error`; a
/// re-scan goes back to `completed` with its old data (or `gone`), due again an interval later.
pub async fn record<C: TransactionTrait>(
    db: &C,
    instance_id: &str,
    policy: RetryPolicy,
    attempt: FailedAttempt<'_>,
) -> Result<Outcome, DbErr> {
    let now = Utc::now();
    let failure = attempt.failure;
    // A re-scan retries a 404, a 410 or an NXDOMAIN too: only every attempt agreeing makes the
    // site gone.
    let confirming_gone = attempt.last_success.is_some() && rescans::says_gone(failure);
    let spent = attempt.attempts.max(0) as u32 >= policy.max_attempts;
    let give_up = spent || (failure.permanent && !confirming_gone);
    let txn = db.begin().await?;
    let mut update = ActiveModel {
        locked_by: Set(None),
        locked_until: Set(None),
        last_error: Set(Some(failure.to_string())),
        updated_at: Set(now),
        ..Default::default()
    };
    // A re-scan that goes back to `completed` keeps the earlier page's data, its status too.
    let mut keeps_earlier_page = attempt.last_success.is_some();
    let (status, next) = match (give_up, attempt.last_success) {
        (false, _) => {
            (DomainStatus::Pending, Next::After(policy.delay_after(failure, attempt.attempts.max(1) as u32)))
        }
        (true, None) => (DomainStatus::Error, Next::Never),
        (true, Some(_)) => {
            let earlier = attempt.attempts.saturating_sub(1).max(0) as u64;
            let gone = confirming_gone
                && rescans::earlier_failures_said_gone(&txn, attempt.domain_id, earlier).await?;
            if gone {
                keeps_earlier_page = false;
                (DomainStatus::Gone, Next::Never)
            } else {
                (DomainStatus::Completed, Next::Rescan(attempt.rescan_after))
            }
        }
    };
    let due = next.at(now);
    update.status = Set(status);
    update.next_attempt_at = Set(due.next_attempt_at);
    update.rescan_at = Set(due.rescan_at);
    // The last answer's status tells why the site failed (a 503, a 403): the row keeps it as
    // a fetched page's row does, and an attempt that got no answer clears an older one.
    if !keeps_earlier_page {
        update.http_status = Set(failure.http_status.map(i32::from));
    }
    let result = Entity::update_many()
        .set(update)
        .filter(Column::Id.eq(attempt.domain_id))
        .filter(Column::Status.eq(DomainStatus::Processing))
        .filter(Column::LockedBy.eq(instance_id))
        .exec(&txn)
        .await?;
    if result.rows_affected == 0 {
        txn.rollback().await?;
        return Ok(Outcome::Skipped);
    }
    let error = error_row(attempt.domain_id, attempt.run_id, attempt.attempts, failure, now);
    domain_errors::Entity::insert(error).exec_without_returning(&txn).await?;
    txn.commit().await?;
    Ok(if give_up { Outcome::Failed } else { Outcome::Retried })
}

/// The `domain_errors` row recording `failure` as attempt `attempt` of `domain_id` (made by
/// run `run_id`, if a run made it), at `at`. Every writer of the table (a failed attempt, an
/// expired lease, a cancel) builds its rows here, so failures read alike whoever recorded them;
/// the message is cut at 2,000 bytes.
pub(super) fn error_row(
    domain_id: Uuid,
    run_id: Option<Uuid>,
    attempt: i32,
    failure: &Failure,
    at: DateTime<Utc>,
) -> domain_errors::ActiveModel {
    domain_errors::ActiveModel {
        domain_id: Set(domain_id),
        run_id: Set(run_id),
        attempt: Set(attempt),
        stage: Set(failure.stage.as_str().to_owned()),
        kind: Set(failure.kind.as_str().to_owned()),
        message: Set(truncate(&failure.message, 2000)),
        occurred_at: Set(at),
        ..Default::default()
    }
}

/// At most `max` bytes of `text`, cut on a character boundary.
fn truncate(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_per_attempt_with_bounded_jitter_and_a_ceiling() {
        let policy = RetryPolicy { max_attempts: 5, base: Duration::from_secs(60) };
        for (attempts, nominal) in [(1, 60.0), (2, 120.0), (3, 240.0)] {
            let delay = policy.delay(attempts).as_secs_f64();
            assert!(delay >= nominal * 0.8 && delay <= nominal * 1.2, "{attempts}: {delay}");
        }
        assert!(policy.delay(40) <= Duration::from_secs(6 * 3600).mul_f64(1.2));
    }

    #[test]
    fn a_bot_wall_waits_long_and_an_asked_wait_is_never_cut_short() {
        use crate::failure::{Kind, Stage};
        let policy = RetryPolicy { max_attempts: 5, base: Duration::from_secs(60) };
        let wall = Failure::new(Stage::Fetch, Kind::Blocked, "Cloudflare challenge page (HTTP 403)");
        let first = policy.delay_after(&wall, 1);
        assert!(first >= Duration::from_secs(3600), "at least an hour: {first:?}");
        assert!(policy.delay_after(&wall, 30) <= Duration::from_secs(24 * 3600));
        let plain = Failure::http_status(500);
        assert!(policy.delay_after(&plain, 1) <= Duration::from_secs(72));
        let asked = Failure::http_status(500).with_retry_after(Duration::from_secs(7200));
        assert!(policy.delay_after(&asked, 1) >= Duration::from_secs(7200));
    }

    #[test]
    fn long_messages_are_cut_on_a_character_boundary() {
        assert_eq!(truncate("ééé", 3), "é");
        assert_eq!(truncate("abc", 10), "abc");
    }
}
