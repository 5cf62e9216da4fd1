//! The console's queries on both backends: the overview's figures, keyset pages and cancelling
//! a batch, called as the console calls them.

use crate::common;
use crate::on_both_backends;

use std::time::Duration;

use chrono::Utc;
use common::db::{Backend, TestDb};
use common::seed::enqueue;
use domain_scheduler::failure::{Failure, Kind, Stage};
use domain_scheduler::store;
use domain_scheduler::store::failures::{FailedAttempt, RetryPolicy};
use domain_scheduler::store::keyset::{After, Keyset};
use domain_scheduler::store::listing;
use domain_scheduler::store::selection::Selection;
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

/// Writes a success for each of `ids`, as the persister does.
async fn complete(db: &DatabaseConnection, ids: &[Uuid]) {
    let metadata = Metadata::default();
    let results: Vec<store::results::Completed<'_>> = ids
        .iter()
        .map(|id| store::results::Completed { domain_id: *id, metadata: &metadata, rescan_after: None })
        .collect();
    let outcomes = store::results::write_completed(db, INSTANCE, &results).await.unwrap();
    assert!(outcomes.iter().all(|o| *o == store::Outcome::Completed), "{outcomes:?}");
}

async fn the_overview_counts_each_tenant_and_the_last_hour(backend: Backend) {
    let Some(test_db) = TestDb::create(backend).await else { return };
    let db = test_db.connect().await;
    enqueue(&db, A, &["a-done.com", "a-done-too.com", "a-broken.com", "a-retried.com"]).await;
    enqueue(&db, B, &["b-broken.com"]).await;
    let claimed = claim_all(&db).await;
    let by_name = |name: &str| claimed.iter().find(|r| r.domain == name).unwrap().clone();
    complete(&db, &[by_name("a-done.com").id, by_name("a-done-too.com").id]).await;
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

async fn completions_stay_in_their_minute_when_domains_are_requeued(backend: Backend) {
    use entity::domains::{Column, Entity};
    use sea_orm::sea_query::Expr;
    let Some(test_db) = TestDb::create(backend).await else { return };
    let db = test_db.connect().await;
    enqueue(&db, A, &["a-one.com", "a-two.com", "a-three.com"]).await;
    enqueue(&db, B, &["b-one.com"]).await;
    let claimed: Vec<Uuid> = claim_all(&db).await.iter().map(|row| row.id).collect();
    complete(&db, &claimed).await;
    let per_minute = |tenant| {
        let db = &db;
        async move { store::overview::overview(db, tenant, Utc::now()).await.unwrap().completed_per_minute }
    };
    let all = per_minute(None).await;
    assert_eq!((all.iter().sum::<u64>(), *all.last().unwrap()), (4, 4));
    assert_eq!(per_minute(Some(A)).await.iter().sum::<u64>(), 3);

    // Tenant A's domains are put back to pending; B's is taken for a re-scan.
    Entity::update_many()
        .col_expr(Column::Status, Expr::value(DomainStatus::Pending.as_str()))
        .filter(Column::TenantId.eq(A))
        .exec(&db)
        .await
        .unwrap();
    Entity::update_many()
        .col_expr(Column::RescanAt, Expr::value(Utc::now() - chrono::Duration::minutes(1)))
        .filter(Column::TenantId.eq(B))
        .exec(&db)
        .await
        .unwrap();
    let b_rescan =
        store::claims::claim_for(&db, INSTANCE, 10, Duration::from_secs(300), Some(B)).await.unwrap();
    assert_eq!(b_rescan.len(), 1, "only B's re-scan, though A's domains are due too");
    assert_eq!(per_minute(None).await.iter().sum::<u64>(), 4, "what was completed stays counted");
    assert_eq!(per_minute(Some(A)).await.iter().sum::<u64>(), 3);

    complete(&db, &[b_rescan[0].id]).await;
    assert_eq!(per_minute(None).await.iter().sum::<u64>(), 5, "a second completion counts too");
    assert_eq!(per_minute(Some(B)).await.iter().sum::<u64>(), 2);
}

async fn the_overview_lists_each_instance_with_its_run_in_progress_and_its_restarts(backend: Backend) {
    let Some(test_db) = TestDb::create(backend).await else { return };
    let db = test_db.connect().await;
    let started = Utc::now() - chrono::Duration::minutes(5);
    for (instance, minutes, claimed) in [
        ("web-1-100-aaaaaaaa", 0, 3),
        // web-1 restarted: a new process, the same instance.
        ("web-1-200-bbbbbbbb", 2, 7),
        ("web-2-300-cccccccc", 1, 4),
        ("old-400-dddddddd", -60 * 30, 1),
    ] {
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
    // Runs in progress: web-2 restarted and its new process holds two domains; web-3 is on its
    // first run.
    enqueue(&db, A, &["one.com", "two.com", "three.com"]).await;
    let lease = Duration::from_secs(300);
    assert_eq!(store::claims::claim(&db, "web-2-301-eeeeeeee", 2, lease).await.unwrap().len(), 2);
    assert_eq!(store::claims::claim(&db, "web-3-500-ffffffff", 1, lease).await.unwrap().len(), 1);

    let overview = store::overview::overview(&db, None, Utc::now()).await.unwrap();
    // (host, process, processes, in flight, runs, claimed by the last run)
    type Row<'a> = (&'a str, &'a str, u64, u64, u64, Option<i32>);
    let seen: Vec<Row<'_>> = overview
        .instances
        .iter()
        .map(|i| {
            (
                i.host.as_str(),
                i.process.as_str(),
                i.processes,
                i.in_flight,
                i.runs,
                i.last_run.as_ref().map(|run| run.domains_claimed),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("web-2", "web-2-301-eeeeeeee", 2, 2, 1, Some(4)),
            ("web-3", "web-3-500-ffffffff", 1, 1, 0, None),
            ("web-1", "web-1-200-bbbbbbbb", 2, 0, 2, Some(7)),
        ],
        "at work first, then by last run; each host once; an instance unseen for a day is left out"
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

    let tenant_a = Selection { tenant: Some(A), prefix: Some("shop-".into()), ..Default::default() };
    let mut seen = Vec::new();
    let mut after: Option<After> = None;
    loop {
        let page = listing::domains(&db, &tenant_a, after.clone().map(Keyset::Next), 10).await.unwrap();
        seen.extend(page.iter().map(|r| r.domain.clone()));
        match page.last() {
            Some(last) if page.len() == 10 => {
                after = Some(After { domain: last.domain.clone(), id: last.id })
            }
            _ => break,
        }
    }
    assert_eq!(seen, names, "tenant A's matches, each once, in name order");

    let everyone = Selection { tenant: None, ..tenant_a };
    let everyone = listing::domains(&db, &everyone, None, 100).await.unwrap();
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
    completions_stay_in_their_minute_when_domains_are_requeued,
    the_overview_lists_each_instance_with_its_run_in_progress_and_its_restarts,
    domain_pages_hold_every_match_once_in_name_order,
    cancelling_a_batch_ends_only_its_waiting_domains,
);
