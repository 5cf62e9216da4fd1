//! Claims, leases and failure records on both backends.

use crate::common;
use crate::on_both_backends;

use std::collections::HashSet;
use std::time::Duration;

use common::db::{Backend, TestDb};
use domain_scheduler::failure::{Failure, Kind, Stage};
use domain_scheduler::store::Outcome;
use domain_scheduler::store::failures::{self, FailedAttempt, RetryPolicy};
use domain_scheduler::store::{self, claims};
use entity::{DomainStatus, domain_errors};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

/// `n` new domains, due now.
async fn seed(db: &DatabaseConnection, n: usize) {
    common::seed::enqueue(db, uuid::Uuid::nil(), &common::seed::numbered("site", n)).await;
}

const LEASE: Duration = Duration::from_secs(300);

async fn a_claim_leases_due_domains_and_counts_the_attempt(backend: Backend) {
    let Some(test_db) = TestDb::create(backend).await else { return };
    let db = test_db.connect().await;
    seed(&db, 5).await;
    let claimed = claims::claim(&db, "instance-a", 3, LEASE).await.unwrap();
    assert_eq!(claimed.len(), 3);
    for row in &claimed {
        assert_eq!(row.status, DomainStatus::Processing);
        assert_eq!(row.locked_by.as_deref(), Some("instance-a"));
        assert!(row.locked_until.unwrap() > chrono::Utc::now() + chrono::Duration::seconds(200));
        assert_eq!(row.attempts, 1);
    }
    let rest = claims::claim(&db, "instance-b", 10, LEASE).await.unwrap();
    assert_eq!(rest.len(), 2, "a leased domain is never claimed again while its lease runs");
    assert!(claims::claim(&db, "instance-b", 10, LEASE).await.unwrap().is_empty());
}

async fn concurrent_claims_never_hand_out_one_domain_twice(backend: Backend) {
    let Some(test_db) = TestDb::create(backend).await else { return };
    let db = test_db.connect().await;
    seed(&db, 300).await;
    let mut tasks = Vec::new();
    for worker in 0..4 {
        let db = test_db.connect().await;
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let batch = claims::claim(&db, &format!("instance-{worker}"), 7, LEASE).await.unwrap();
                if batch.is_empty() {
                    break;
                }
                mine.extend(batch.into_iter().map(|row| row.id));
            }
            mine
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    let unique: HashSet<_> = all.iter().collect();
    assert_eq!(all.len(), 300, "every domain claimed");
    assert_eq!(unique.len(), 300, "no domain claimed twice");
}

async fn released_leases_go_back_to_pending_without_counting_the_attempt(backend: Backend) {
    let Some(test_db) = TestDb::create(backend).await else { return };
    let db = test_db.connect().await;
    seed(&db, 3).await;
    let claimed = claims::claim(&db, "instance-a", 3, LEASE).await.unwrap();
    let ids: Vec<_> = claimed.iter().map(|r| r.id).collect();
    assert_eq!(claims::release(&db, "instance-b", &ids).await.unwrap(), 0, "only the holder releases");
    assert_eq!(claims::release(&db, "instance-a", &ids).await.unwrap(), 3);
    let again = claims::claim(&db, "instance-b", 3, LEASE).await.unwrap();
    assert_eq!(again.len(), 3);
    assert!(again.iter().all(|row| row.attempts == 1));
}

async fn expired_leases_are_taken_back_and_explained(backend: Backend) {
    let Some(test_db) = TestDb::create(backend).await else { return };
    let db = test_db.connect().await;
    seed(&db, 2).await;
    let claimed = claims::claim(&db, "dead-instance", 2, Duration::from_millis(1)).await.unwrap();
    common::wait::wait_until("the 1 ms leases to expire", Duration::from_secs(5), async || {
        test_db.leases_expired().await
    })
    .await;
    // Both have attempts left (1 of 2): they go back to pending, each with its explanation.
    let recovered = claims::recover_expired(&db, 2, None).await.unwrap();
    assert_eq!(recovered, 2);
    let errors = domain_errors::Entity::find().all(&db).await.unwrap();
    assert_eq!(errors.len(), 2);
    assert!(errors.iter().all(|e| e.stage == "actor" && e.kind == "lease_expired"));
    let again = claims::claim(&db, "instance-b", 5, LEASE).await.unwrap();
    assert_eq!(again.len(), 2);
    // Time passes, far less than a lease: the scenario, not a wait for a condition.
    tokio::time::sleep(Duration::from_millis(10)).await;
    let _ = claimed;
    assert_eq!(claims::recover_expired(&db, 2, None).await.unwrap(), 0, "live leases are left alone");
}

async fn a_failure_is_retried_with_backoff_until_attempts_are_spent(backend: Backend) {
    let Some(test_db) = TestDb::create(backend).await else { return };
    let db = test_db.connect().await;
    seed(&db, 1).await;
    let policy = RetryPolicy { max_attempts: 2, base: Duration::from_secs(60) };
    let timeout = Failure::new(Stage::Fetch, Kind::Timeout, "no answer within 20 s");

    let row = claims::claim(&db, "a", 1, LEASE).await.unwrap().remove(0);
    let attempt = FailedAttempt {
        domain_id: row.id,
        run_id: None,
        attempts: row.attempts,
        failure: &timeout,
        last_success: None,
        rescan_after: None,
    };
    assert_eq!(failures::record(&db, "a", policy, attempt).await.unwrap(), Outcome::Retried);
    let stored = entity::Domain::find_by_id(row.id).one(&db).await.unwrap().unwrap();
    assert_eq!(stored.status, DomainStatus::Pending);
    assert!(
        stored.next_attempt_at > chrono::Utc::now() + chrono::Duration::seconds(40),
        "pushed out by the backoff"
    );
    assert_eq!(stored.last_error.as_deref(), Some("fetch/timeout: no answer within 20 s"));
    assert!(claims::claim(&db, "a", 1, LEASE).await.unwrap().is_empty(), "not due before its backoff ends");

    // Make it due now and fail it again: its attempts are spent.
    entity::Domain::update_many()
        .col_expr(entity::domains::Column::NextAttemptAt, sea_orm::sea_query::Expr::value(chrono::Utc::now()))
        .filter(entity::domains::Column::Id.eq(row.id))
        .exec(&db)
        .await
        .unwrap();
    let row = claims::claim(&db, "a", 1, LEASE).await.unwrap().remove(0);
    assert_eq!(row.attempts, 2);
    let attempt = FailedAttempt {
        domain_id: row.id,
        run_id: None,
        attempts: row.attempts,
        failure: &timeout,
        last_success: None,
        rescan_after: None,
    };
    assert_eq!(failures::record(&db, "a", policy, attempt).await.unwrap(), Outcome::Failed);
    let errors = domain_errors::Entity::find()
        .filter(domain_errors::Column::DomainId.eq(row.id))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(errors.iter().map(|e| e.attempt).collect::<Vec<_>>(), vec![1, 2]);
}

async fn a_permanent_failure_ends_in_error_at_once_and_a_lost_lease_writes_nothing(backend: Backend) {
    let Some(test_db) = TestDb::create(backend).await else { return };
    let db = test_db.connect().await;
    seed(&db, 2).await;
    let policy = RetryPolicy { max_attempts: 5, base: Duration::from_secs(60) };
    let rows = claims::claim(&db, "a", 2, LEASE).await.unwrap();
    let not_found = Failure::http_status(404);
    let attempt = FailedAttempt {
        domain_id: rows[0].id,
        run_id: None,
        attempts: 1,
        failure: &not_found,
        last_success: None,
        rescan_after: None,
    };
    assert_eq!(failures::record(&db, "a", policy, attempt).await.unwrap(), Outcome::Failed);
    let attempt = FailedAttempt {
        domain_id: rows[1].id,
        run_id: None,
        attempts: 1,
        failure: &not_found,
        last_success: None,
        rescan_after: None,
    };
    assert_eq!(failures::record(&db, "someone-else", policy, attempt).await.unwrap(), Outcome::Skipped);
    let counts = store::batches::counts(&db, None).await.unwrap();
    assert_eq!((counts.error, counts.processing), (1, 1));
}

on_both_backends!(
    a_claim_leases_due_domains_and_counts_the_attempt,
    concurrent_claims_never_hand_out_one_domain_twice,
    released_leases_go_back_to_pending_without_counting_the_attempt,
    expired_leases_are_taken_back_and_explained,
    a_failure_is_retried_with_backoff_until_attempts_are_spent,
    a_permanent_failure_ends_in_error_at_once_and_a_lost_lease_writes_nothing,
);
