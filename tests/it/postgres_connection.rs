//! PostgreSQL connections as the service opens them: a long-lived connection must not pile up
//! prepared statements on the server, and every statement carries the configured time-out.

use crate::common;

use std::time::Duration;

use common::db::{Backend, TestDb};
use domain_scheduler::db::{DatabaseSettings, STATEMENT_CACHE, connect, migrate};
use entity::domains;
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Statement};

async fn scalar(db: &sea_orm::DatabaseConnection, sql: &str) -> String {
    let row = db.query_one_raw(Statement::from_string(DbBackend::Postgres, sql)).await.unwrap().unwrap();
    row.try_get_by_index::<String>(0).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(ds_no_postgres, ignore = "needs TEST_POSTGRES_URL (a PostgreSQL server)")]
async fn a_long_lived_connection_keeps_a_bounded_set_of_prepared_statements() {
    let Some(test_db) = TestDb::create(Backend::Postgres).await else { return };
    let options = DatabaseSettings { max_connections: 1, ..test_db.settings() };
    let db = connect(&options).await.unwrap();
    migrate(&db).await.unwrap();
    // The same few statements again and again, as the service runs them for months.
    for i in 0..3 * STATEMENT_CACHE {
        domains::Entity::find()
            .filter(domains::Column::Domain.eq(format!("site-{i}.com")))
            .one(&db)
            .await
            .unwrap();
    }
    let held: i64 = scalar(&db, "SELECT count(*)::text FROM pg_prepared_statements").await.parse().unwrap();
    assert!(held <= STATEMENT_CACHE as i64, "{held} prepared statements held by one connection");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(ds_no_postgres, ignore = "needs TEST_POSTGRES_URL (a PostgreSQL server)")]
async fn every_connection_carries_the_configured_statement_timeout_and_plans_each_statement() {
    let Some(test_db) = TestDb::create(Backend::Postgres).await else { return };
    let options = DatabaseSettings { statement_timeout: Duration::from_millis(1500), ..test_db.settings() };
    let db = connect(&options).await.unwrap();
    assert_eq!(scalar(&db, "SHOW statement_timeout").await, "1500ms");
    // Cached statements must not fall back to generic plans (see db.rs).
    assert_eq!(scalar(&db, "SHOW plan_cache_mode").await, "force_custom_plan");
    let slow = db.execute_unprepared("SELECT pg_sleep(5)").await;
    let error = slow.expect_err("a statement longer than the time-out is cancelled").to_string();
    assert!(error.contains("statement timeout"), "{error}");
}
