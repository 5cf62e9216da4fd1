//! Connecting to the database and migrating it.
//!
//! PostgreSQL connections keep a bounded cache of prepared statements and carry a
//! `statement_timeout`. The cache is not turned off: the driver names every prepared statement
//! even with the cache at zero, and without the cache nothing ever closes them, so a long-lived
//! connection would pile up statements on the server. A transaction-mode pooler therefore has
//! to track prepared statements (PgBouncer 1.21 or later with `max_prepared_statements`);
//! docs/reliability.md says more. SQLite runs
//! in WAL mode with one connection per process: SQLite has one writer anyway, and a single
//! connection means a claim can never race another claim of the same process.

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};

use crate::config::Backend;
pub use crate::config::DatabaseSettings;

/// Prepared statements kept per PostgreSQL connection; the least recently used is closed on
/// the server when a new one needs its place. The service runs a few dozen distinct statements.
pub const STATEMENT_CACHE: usize = 100;

/// Opens a connection pool.
pub async fn connect(options: &DatabaseSettings) -> Result<DatabaseConnection, DbErr> {
    let mut connect = ConnectOptions::new(options.url.expose().to_owned());
    connect
        .sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(options.statement_timeout);
    match options.url.backend() {
        Backend::Sqlite => {
            connect.max_connections(1).min_connections(1).map_sqlx_sqlite_opts(|opts| {
                use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
                opts.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(30))
                    .foreign_keys(true)
            });
        }
        Backend::Postgres => {
            connect
                .max_connections(options.max_connections)
                .statement_timeout(options.statement_timeout)
                .map_sqlx_postgres_opts(|opts| {
                    // A cached statement would switch to PostgreSQL's generic plan after five
                    // runs, and the generic plan of the 1,000-name look-up and insert is ruinous:
                    // adding 100,000 domains took 255 s instead of 18 s. Planning each run
                    // is what unnamed statements did anyway.
                    opts.statement_cache_capacity(STATEMENT_CACHE)
                        .options([("plan_cache_mode", "force_custom_plan")])
                });
        }
    }
    Database::connect(connect).await
}

/// Checks that a PostgreSQL server answers `options` within `deadline` with one plain
/// connection, and gives the driver's own reason when it does not. SQLite needs no check.
pub async fn check_reachable(options: &DatabaseSettings, deadline: Duration) -> Result<(), String> {
    use sea_orm::sqlx::Connection as _;
    if options.url.backend() != Backend::Postgres {
        return Ok(());
    }
    match tokio::time::timeout(deadline, sea_orm::sqlx::PgConnection::connect(options.url.expose())).await {
        Ok(Ok(connection)) => {
            let _ = connection.close().await;
            Ok(())
        }
        Ok(Err(error)) => Err(error.to_string()),
        Err(_) => Err(format!("no answer within {} s", deadline.as_secs())),
    }
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// One migration and whether it is applied.
#[derive(Debug, serde::Serialize)]
pub struct MigrationState {
    pub name: String,
    pub applied: bool,
}

/// Every known migration in order, with its state.
pub async fn migration_status(db: &DatabaseConnection) -> Result<Vec<MigrationState>, DbErr> {
    let applied: Vec<String> =
        Migrator::get_applied_migrations(db).await?.iter().map(|m| m.name().to_owned()).collect();
    Ok(Migrator::migrations()
        .iter()
        .map(|m| MigrationState { name: m.name().to_owned(), applied: applied.iter().any(|a| a == m.name()) })
        .collect())
}
