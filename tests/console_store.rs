//! The console's queries on both backends: the overview's figures, keyset pages and cancelling
//! a batch, called as the console calls them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::cast_possible_truncation)] // test and bench code: a panic is a failure report

mod common;

use std::time::Duration;

use chrono::Utc;
use common::db::{Backend, TestDb};
use common::seed::enqueue;
use domain_scheduler::failure::{Failure, Kind, Stage};
use domain_scheduler::store;
use domain_scheduler::store::failures::{FailedAttempt, RetryPolicy};
use domain_scheduler::store::listing::{self, After, DomainFilter};
use entity::{Domain, DomainStatus, Metadata, domain_errors};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

const A: Uuid = Uuid::from_u128(0xa);
const B: Uuid = Uuid::from_u128(0xb);
const INSTANCE: &str = "test-instance";

/// Claims every due domain, as a run would.
async fn claim_all(db: &DatabaseConnection) -> Vec<entity::domains::Model> {
    store::claims::claim(db, INSTANCE, 1000, Duration::from_secs(300)).await.unwrap()
}

async fn fail(db: &DatabaseConnection, row: &entity::domains::Model, kind: Kind, permanent: bool) {
    let mut failure = Failure::new(Stage::Fetch, kind, "test failure");
    failure.permanent = permanent;
    let policy = RetryPolicy { max_attempts: 3, base: Duration::from_secs(3600) };
    let attempt = FailedAttempt {
        domain_id: row.id,
        run_id: None,
        attempts: row.attempts,
        failure: &failure,
        last_success: None,
        rescan_after: None,
    };
    store::failures::record(db, INSTANCE, policy, attempt).await.unwrap();
}

async fn the_overview_counts_each_tenant_and_the_last_hour(backend: Backend) {
    let Some(test_db) = TestDb::create(backend).await else { return };
    let db = test_db.connect().await;
    enqueue(&db, A, &["a-done.com", "a-done-too.com", "a-broken.com", "a-retried.com"]).await;
    enqueue(&db, B, &["b-broken.com"]).await;
    let claimed = claim_all(&db).await;
    let by_name = |name: &str| claimed.iter().find(|r| r.domain == name).unwrap().clone();
    for name in ["a-done.com", "a-done-too.com"] {
        Domain::update_from_metadata(&db, by_name(name).id, &Metadata::default()).await.unwrap();
    }
    fail(&db, &by_name("a-broken.com"), Kind::Dns, true).await;
    fail(&db, &by_name("a-retried.com"), Kind::Timeout, false).await;
    fail(&db, &by_name("b-broken.com"), Kind::Dns, true).await;
    enqueue(&db, A, &["a-new.com"]).await;

    let now = Utc::now();
    let all = store::overview::overview(&db, None, now).await.unwrap();
    assert_eq!((all.counts.pending, all.counts.completed, all.counts.error), (2, 2, 2));
    assert_eq!(all.by_tenant.iter().map(|(t, c)| (*t, c.total())).collect::<Vec<_>>(), [(A, 5), (B, 1)]);
    assert_eq!(all.due_now, 1, "the new domain is due; the retried one waits for its backoff");
    assert_eq!(all.completed_per_minute.len(), 60);
    assert_eq!(*all.completed_per_minute.last().unwrap(), 2, "both completions fall in this minute");
    assert_eq!(all.completed_per_minute.iter().sum::<u64>(), 2);
    let kinds: Vec<(&str, u64)> = all.error_kinds.iter().map(|k| (k.kind.as_str(), k.count)).collect();
    assert_eq!(kinds, [("dns", 2), ("timeout", 1)]);

    let a = store::overview::overview(&db, Some(A), now).await.unwrap();
    assert_eq!(a.counts.total(), 5);
    assert_eq!(a.by_tenant.len(), 1);
    let kinds: Vec<(&str, u64)> = a.error_kinds.iter().map(|k| (k.kind.as_str(), k.count)).collect();
    assert_eq!(kinds, [("dns", 1), ("timeout", 1)], "tenant B's failure is not in A's view");
    assert!(a.instances.is_empty(), "runs mix tenants: a tenant's overview lists no instance");
}

async fn the_overview_lists_each_instance_with_its_last_run(backend: Backend) {
    let Some(test_db) = TestDb::create(backend).await else { return };
    let db = test_db.connect().await;
    let started = Utc::now() - chrono::Duration::minutes(5);
    for (instance, minutes, claimed) in [("one", 0, 3), ("one", 2, 7), ("two", 1, 4), ("gone", -60 * 30, 1)] {
        let at = started + chrono::Duration::minutes(minutes);
        let metrics = store::runs::RunMetrics {
            run_id: Uuid::new_v4(),
            instance_id: instance.into(),
            started_at: at,
            finished_at: at,
            duration_seconds: 1.0,
            domains_claimed: claimed,
            domains_processed: claimed,
            domains_successful: claimed,
            domains_failed: 0,
            domains_retried: 0,
            domains_skipped: 0,
            success_rate: 1.0,
        };
        store::runs::insert(&db, &metrics).await.unwrap();
    }
    let overview = store::overview::overview(&db, None, Utc::now()).await.unwrap();
    let seen: Vec<(&str, u64, i32)> = overview
        .instances
        .iter()
        .map(|i| (i.instance_id.as_str(), i.runs, i.last_run.domains_claimed))
        .collect();
    assert_eq!(
        seen,
        [("one", 2, 7), ("two", 1, 4)],
        "newest first; an instance unseen for a day is left out"
    );
}

async fn domain_pages_hold_every_match_once_in_name_order(backend: Backend) {
    let Some(test_db) = TestDb::create(backend).await else { return };
    let db = test_db.connect().await;
    let names: Vec<String> = (0..23).map(|i| format!("shop-{i:02}.com")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    enqueue(&db, A, &refs).await;
    enqueue(&db, A, &["other.com"]).await;
    enqueue(&db, B, &["shop-00.com", "shop-99.com"]).await;

    let filter = DomainFilter { prefix: Some("shop-".into()), ..Default::default() };
    let mut seen = Vec::new();
    let mut after: Option<After> = None;
    loop {
        let page = listing::domains(&db, Some(A), &filter, after.as_ref(), 10).await.unwrap();
        seen.extend(page.iter().map(|r| r.domain.clone()));
        match page.last() {
            Some(last) if page.len() == 10 => {
                after = Some(After { domain: last.domain.clone(), id: last.id })
            }
            _ => break,
        }
    }
    assert_eq!(seen, names, "tenant A's matches, each once, in name order");

    let everyone = listing::domains(&db, None, &filter, None, 100).await.unwrap();
    assert_eq!(everyone.len(), 25, "an admin's search spans tenants");
    assert_eq!(everyone.iter().filter(|r| r.domain == "shop-00.com").count(), 2);
}

async fn cancelling_a_batch_ends_only_its_waiting_domains(backend: Backend) {
    let Some(test_db) = TestDb::create(backend).await else { return };
    let db = test_db.connect().await;
    let batch = enqueue(&db, A, &["first.com", "second.com", "third.com"]).await;
    let in_flight = store::claims::claim(&db, INSTANCE, 1, Duration::from_secs(300)).await.unwrap();
    assert_eq!(in_flight.len(), 1);

    assert!(store::cancel::cancel_batch(&db, Some(B), batch, "tenant B").await.unwrap().is_none());
    let outcome = store::cancel::cancel_batch(&db, Some(A), batch, "an admin").await.unwrap().unwrap();
    assert_eq!((outcome.cancelled, outcome.in_flight), (2, 1));

    let rows = Domain::find().filter(entity::domains::Column::BatchId.eq(batch)).all(&db).await.unwrap();
    for row in &rows {
        if row.id == in_flight[0].id {
            assert_eq!(row.status, DomainStatus::Processing, "the domain being fetched finishes");
            continue;
        }
        assert_eq!(row.status, DomainStatus::Error);
        assert!(
            row.last_error.as_deref().unwrap().starts_with("operator/cancelled: batch"),
            "{:?}",
            row.last_error
        );
        let errors = domain_errors::Entity::find()
            .filter(domain_errors::Column::DomainId.eq(row.id))
            .all(&db)
            .await
            .unwrap();
        assert_eq!(errors.len(), 1, "one failure row per cancelled domain");
        assert_eq!((errors[0].stage.as_str(), errors[0].kind.as_str()), ("operator", "cancelled"));
    }
    let again = store::cancel::cancel_batch(&db, None, batch, "an admin").await.unwrap().unwrap();
    assert_eq!(again.cancelled, 0, "nothing is cancelled twice");
}

on_both_backends!(
    the_overview_counts_each_tenant_and_the_last_hour,
    the_overview_lists_each_instance_with_its_last_run,
    domain_pages_hold_every_match_once_in_name_order,
    cancelling_a_batch_ends_only_its_waiting_domains,
);
