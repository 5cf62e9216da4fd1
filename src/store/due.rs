//! When a domain row is next due: the one rule every transition follows, so that a row's
//! `next_attempt_at` and `rescan_at` always say what will happen to it.
//!
//! | status after the transition | `next_attempt_at` | `rescan_at` |
//! | --- | --- | --- |
//! | `pending` (added, refreshed, reset, retried, a lease handed back or taken back) | now | null |
//! | `pending` after a failed attempt with attempts left | now + the backoff delay | null |
//! | `completed` (a success, or a re-scan whose attempts are spent) | its re-scan time: now + the domain's own interval | the same |
//! | `completed` with re-scans off for the domain | [`never`] | null |
//! | `error`, `gone` | [`never`] | null |
//!
//! `processing` is due again when its lease ends (`locked_until`), which lease recovery reads.
//! The claim reads `next_attempt_at` of `pending` rows and `rescan_at` of `completed` ones (each
//! through its index on (`status`, time)); a row never due has a `next_attempt_at` so far ahead
//! that no comparison with a real time reaches it, which keeps the column non-null and indexed
//! the same way for every status. Only a user brings such a row back: `reset`, the API's retry,
//! or a re-submission with `refresh`.

use std::time::Duration;

use chrono::{DateTime, Utc};

/// The due time of a row that is never due by itself: 9999-12-31T23:59:59Z, the last second
/// both backends store and compare as they compare any other time (SQLite as text).
pub fn never() -> DateTime<Utc> {
    DateTime::from_timestamp(253_402_300_799, 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// What a transition makes of a row's due time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    /// `pending`, due at once.
    Now,
    /// `pending`, due after this delay (the backoff of a failed attempt).
    After(Duration),
    /// `completed`, due for a re-scan after the domain's interval (`None`: re-scans are off for
    /// it, so never).
    Rescan(Option<Duration>),
    /// `error` or `gone`: never, until a user puts it back.
    Never,
}

/// The two due columns a transition writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Due {
    pub next_attempt_at: DateTime<Utc>,
    pub rescan_at: Option<DateTime<Utc>>,
}

impl Next {
    /// The due columns of a row that makes this transition at `now`.
    pub fn at(self, now: DateTime<Utc>) -> Due {
        let later =
            |delay: Duration| chrono::Duration::from_std(delay).ok().and_then(|d| now.checked_add_signed(d));
        match self {
            Next::Now => Due { next_attempt_at: now, rescan_at: None },
            Next::After(delay) => {
                Due { next_attempt_at: later(delay).unwrap_or_else(never), rescan_at: None }
            }
            Next::Rescan(interval) => {
                let rescan_at = interval.and_then(later).filter(|at| *at < never());
                Due { next_attempt_at: rescan_at.unwrap_or_else(never), rescan_at }
            }
            Next::Never => Due { next_attempt_at: never(), rescan_at: None },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_completed_row_is_next_due_at_its_rescan_and_never_without_one() {
        let now = Utc::now();
        let day = Duration::from_secs(86_400);
        let due = Next::Rescan(Some(day)).at(now);
        assert_eq!(due.rescan_at, Some(now + chrono::Duration::days(1)));
        assert_eq!(due.next_attempt_at, now + chrono::Duration::days(1), "the same time in both columns");
        assert_eq!(Next::Rescan(None).at(now), Due { next_attempt_at: never(), rescan_at: None });
        assert_eq!(Next::Never.at(now), Due { next_attempt_at: never(), rescan_at: None });
        assert_eq!(Next::Now.at(now), Due { next_attempt_at: now, rescan_at: None });
        assert_eq!(Next::After(day).at(now).next_attempt_at, now + chrono::Duration::days(1));
    }

    #[test]
    fn an_interval_too_long_for_the_calendar_means_never() {
        let now = Utc::now();
        let ages = Duration::from_secs(u64::MAX / 4);
        assert_eq!(Next::Rescan(Some(ages)).at(now), Due { next_attempt_at: never(), rescan_at: None });
        assert_eq!(Next::After(ages).at(now).next_attempt_at, never());
        assert_eq!(never().to_rfc3339(), "9999-12-31T23:59:59+00:00");
    }
}
