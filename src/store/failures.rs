//! Recording a failed attempt: one `domain_errors` row, `last_error`, and the decision to retry
//! (back to `pending`, due after an exponential backoff with jitter) or give up (`error`).

use std::time::Duration;

use chrono::Utc;
use entity::domains::{ActiveModel, Column, Entity};
use entity::{DomainStatus, domain_errors};
use rand::Rng;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DbErr, EntityTrait, QueryFilter, TransactionSession, TransactionTrait,
};
use uuid::Uuid;

use super::Outcome;
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
}

/// Writes the failure and the decision in one transaction, if `instance_id` still holds the
/// domain's lease: [`Outcome::Retried`], [`Outcome::Failed`], or [`Outcome::Skipped`] when the
/// lease had moved on and nothing was written.
pub async fn record<C: TransactionTrait>(
    db: &C,
    instance_id: &str,
    policy: RetryPolicy,
    attempt: FailedAttempt<'_>,
) -> Result<Outcome, DbErr> {
    let now = Utc::now();
    let give_up = attempt.failure.permanent || attempt.attempts.max(0) as u32 >= policy.max_attempts;
    let mut update = ActiveModel {
        locked_by: Set(None),
        locked_until: Set(None),
        last_error: Set(Some(attempt.failure.to_string())),
        updated_at: Set(now),
        ..Default::default()
    };
    if give_up {
        update.status = Set(DomainStatus::Error);
    } else {
        update.status = Set(DomainStatus::Pending);
        let delay = policy.delay(attempt.attempts.max(1) as u32);
        update.next_attempt_at =
            Set(now + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::hours(6)));
    }
    let txn = db.begin().await?;
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
    let error = domain_errors::ActiveModel {
        domain_id: Set(attempt.domain_id),
        run_id: Set(attempt.run_id),
        attempt: Set(attempt.attempts),
        stage: Set(attempt.failure.stage.as_str().to_owned()),
        kind: Set(attempt.failure.kind.as_str().to_owned()),
        message: Set(truncate(&attempt.failure.message, 2000)),
        occurred_at: Set(now),
        ..Default::default()
    };
    domain_errors::Entity::insert(error).exec_without_returning(&txn).await?;
    txn.commit().await?;
    Ok(if give_up { Outcome::Failed } else { Outcome::Retried })
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
    fn long_messages_are_cut_on_a_character_boundary() {
        assert_eq!(truncate("ééé", 3), "é");
        assert_eq!(truncate("abc", 10), "abc");
    }
}
