//! A fresh database per test, on SQLite (a file in a temporary folder) or PostgreSQL (a new
//! database on the server of `TEST_POSTGRES_URL`), so tests run in parallel without sharing
//! rows.
//!
//! PostgreSQL tests run whenever `TEST_POSTGRES_URL` is set, and fail (never skip) when the
//! server cannot be reached.

use sea_orm::{ConnectionTrait, Database, DatabaseConnection};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestDb {
    pub backend: Backend,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

impl TestDb {
    /// A new empty database, or `None` for PostgreSQL when `TEST_POSTGRES_URL` is not set.
    pub async fn create(backend: Backend) -> Option<TestDb> {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temporary folder");
                let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
                Some(TestDb { backend, url, _dir: Some(dir), pg: None })
            }
            Backend::Postgres => {
                let Ok(admin_url) = std::env::var("TEST_POSTGRES_URL") else {
                    eprintln!("TEST_POSTGRES_URL is not set: PostgreSQL variant not run");
                    return None;
                };
                let name = format!("ds_test_{}", uuid::Uuid::new_v4().simple());
                let admin = Database::connect(&admin_url)
                    .await
                    .unwrap_or_else(|e| panic!("TEST_POSTGRES_URL is set but unreachable: {e}"));
                admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create database");
                admin.close().await.ok();
                let mut url = url::Url::parse(&admin_url).expect("TEST_POSTGRES_URL is a URL");
                url.set_path(&name);
                let url = url.to_string();
                Some(TestDb { backend, url, _dir: None, pg: Some((admin_url, name)) })
            }
        }
    }

    /// The default connection settings for this database.
    pub fn settings(&self) -> domain_scheduler::db::DatabaseSettings {
        domain_scheduler::db::DatabaseSettings::for_url(&self.url).expect("a database URL")
    }

    /// Whether every lease on the database has expired (no `processing` row is still held).
    pub async fn leases_expired(&self) -> bool {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let db = self.connect().await;
        let held = entity::domains::Entity::find()
            .filter(entity::domains::Column::Status.eq(entity::DomainStatus::Processing))
            .filter(entity::domains::Column::LockedUntil.gte(chrono::Utc::now()))
            .all(&db)
            .await
            .expect("read the leases");
        let _ = db.close().await;
        held.is_empty()
    }

    /// A connection to the test database, migrated.
    pub async fn connect(&self) -> DatabaseConnection {
        let db = domain_scheduler::db::connect(&self.settings()).await.expect("connect to the test database");
        domain_scheduler::db::migrate(&db).await.expect("migrate the test database");
        db
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((admin_url, name)) = self.pg.take() else { return };
        // Drop runs outside any runtime guarantee: use a thread with its own small runtime.
        let _ = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
                return;
            };
            runtime.block_on(async move {
                if let Ok(admin) = Database::connect(&admin_url).await {
                    let _ = admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                    let _ = admin.close().await;
                }
            });
        })
        .join();
    }
}

/// Declares each listed `async fn name(backend: Backend)` as two tests, `sqlite::name` and
/// `postgres::name`, so every backend runs the same suite. Attributes written before a name
/// (`#[cfg_attr(..., ignore = "...")]`) go on both of its tests (on the PostgreSQL one only
/// when PostgreSQL is there).
#[macro_export]
macro_rules! on_both_backends {
    ($($(#[$attr:meta])* $name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                $(#[$attr])*
                async fn $name() {
                    super::$name($crate::common::db::Backend::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                #[cfg_attr(ds_no_postgres, ignore = "needs TEST_POSTGRES_URL (a PostgreSQL server)")]
                // Without PostgreSQL the test is ignored for that reason alone: a second
                // `ignore` from the name's own attributes would be an unused attribute.
                $(#[cfg_attr(not(ds_no_postgres), $attr)])*
                async fn $name() {
                    super::$name($crate::common::db::Backend::Postgres).await
                }
            )*
        }
    };
}
