//! Re-scans: when a completed domain falls due again, and what a re-scan that fails leaves.
//!
//! A success sets `rescan_at` to its time plus the domain's interval (its submission's own, or
//! the service's `DOMAIN_SCHEDULER_RESCAN_AFTER`). A re-scan is claimed after the new work
//! (see [`super::claims`]); while its attempts last, a failure is retried like any other and
//! the good metadata stays. When they are spent, the domain goes back to `completed` with its
//! old data and `last_error` saying what the latest re-scan found, and falls due again an
//! interval later; unless every attempt answered 404 or 410, or found that the name no longer
//! exists (NXDOMAIN): the site is `gone`, never re-scanned (its due times follow [`super::due`],
//! as every row's do).

use std::time::Duration;

use entity::domain_errors;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::failure::{Failure, Kind};
use crate::rescan_after::RescanAfter;

/// The re-scan interval of `row`: its submission's own (0 meaning never), else `default`.
pub fn interval_of(row: &entity::domains::Model, default: Option<Duration>) -> Option<Duration> {
    own_interval(row.rescan_after_seconds, default)
}

/// The re-scan interval of a domain whose submission gave `own` (its `rescan_after_seconds`):
/// that (0 meaning never), else `default`.
pub fn own_interval(own: Option<i64>, default: Option<Duration>) -> Option<Duration> {
    own.map_or(default, |seconds| RescanAfter::from_seconds(seconds).interval())
}

/// Whether an answer of `status` says the page is not there any more.
fn gone_status(status: Option<u16>) -> bool {
    matches!(status, Some(404 | 410))
}

/// Whether a failure recorded in `domain_errors` as `kind` with `message` said the site is not
/// there any more (see [`says_gone`]). The table keeps no status of its own: the status is read
/// back from the message [`Failure::http_status`] wrote ([`Failure::status_in_message`]).
fn said_gone(kind: &str, message: &str) -> bool {
    match Kind::parse(kind) {
        Some(Kind::HttpStatus) => gone_status(Failure::status_in_message(message)),
        Some(Kind::DnsNxdomain) => true,
        _ => false,
    }
}

/// Whether `failure` says the site is not there any more: its page is 404 or 410, or its name
/// does not exist. A name that vanished is as gone as a removed page, and a first scan already
/// gives it up at once ([`Kind::DnsNxdomain`] is permanent); on a re-scan it must be NXDOMAIN on
/// every attempt, as a 404 must, so that one bad answer of a name server does not end a site
/// that was there.
pub fn says_gone(failure: &Failure) -> bool {
    match failure.kind {
        Kind::HttpStatus => gone_status(failure.http_status),
        Kind::DnsNxdomain => true,
        _ => false,
    }
}

/// Whether the `earlier` failures recorded last for `domain_id` (the earlier attempts of the
/// re-scan now giving up) all said the site is gone. The failure being recorded now is checked
/// by the caller.
pub async fn earlier_failures_said_gone<C: ConnectionTrait>(
    db: &C,
    domain_id: Uuid,
    earlier: u64,
) -> Result<bool, DbErr> {
    if earlier == 0 {
        return Ok(true);
    }
    let last: Vec<(String, String)> = domain_errors::Entity::find()
        .select_only()
        .columns([domain_errors::Column::Kind, domain_errors::Column::Message])
        .filter(domain_errors::Column::DomainId.eq(domain_id))
        .order_by_desc(domain_errors::Column::OccurredAt)
        .limit(earlier)
        .into_tuple()
        .all(db)
        .await?;
    Ok(last.len() as u64 == earlier && last.iter().all(|(kind, message)| said_gone(kind, message)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::failure::Stage;

    #[test]
    fn a_404_or_a_410_says_gone_and_nothing_else_does() {
        assert!(says_gone(&Failure::http_status(404)));
        assert!(says_gone(&Failure::http_status(410)));
        assert!(!says_gone(&Failure::http_status(500)));
        assert!(!says_gone(&Failure::http_status(403)));
        assert!(!says_gone(&Failure::new(Stage::Fetch, Kind::Timeout, "HTTP status 404")));
    }

    #[test]
    fn a_recorded_failure_says_gone_as_the_failure_did() {
        for status in [404, 410, 403, 500] {
            let failure = Failure::http_status(status);
            assert_eq!(said_gone(failure.kind.as_str(), &failure.message), says_gone(&failure), "{status}");
        }
        assert!(said_gone("dns_nxdomain", "shop.com: the name does not exist (NXDOMAIN)"));
        assert!(!said_gone("timeout", "HTTP status 404"));
        assert!(!said_gone("http_status", "HTTP status 4040"));
    }

    #[test]
    fn a_name_that_does_not_exist_says_gone_and_other_dns_failures_do_not() {
        assert!(says_gone(&Failure::new(
            Stage::Fetch,
            Kind::DnsNxdomain,
            "shop.com: the name does not exist"
        )));
        for kind in [Kind::DnsServfail, Kind::DnsTimeout, Kind::DnsNoAddress, Kind::Dns] {
            assert!(!says_gone(&Failure::new(Stage::Fetch, kind, "shop.com")), "{kind:?}");
        }
    }
}
