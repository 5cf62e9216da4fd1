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
//!
//! Commands open the database for what they do ([`Access`]): a writing command creates a SQLite
//! file that does not exist yet (as the default URL's `mode=rwc` says, whether or not the URL
//! says it), a reading command never creates nor writes anything: SQLite opens read-only and
//! PostgreSQL transactions are read-only.
//!
//! Pools keep their connections for the life of the process: see [`connect_for`].

use std::path::PathBuf;
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};

use crate::config::Backend;
pub use crate::config::DatabaseSettings;

/// Prepared statements kept per PostgreSQL connection; the least recently used is closed on
/// the server when a new one needs its place. The service runs a few dozen distinct statements.
pub const STATEMENT_CACHE: usize = 100;

/// What a command does with the database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// It writes: a SQLite file that does not exist is created, unless the URL names another
    /// `mode=` itself.
    ReadWrite,
    /// It only reads: nothing is created or written, whatever the URL says.
    ReadOnly,
}

/// Opens a connection pool for writing (a new SQLite file is created).
pub async fn connect(options: &DatabaseSettings) -> Result<DatabaseConnection, DbErr> {
    connect_for(options, Access::ReadWrite).await
}

/// Opens a connection pool for `access`.
pub async fn connect_for(options: &DatabaseSettings, access: Access) -> Result<DatabaseConnection, DbErr> {
    let mut connect = ConnectOptions::new(options.url.expose().to_owned());
    connect
        .sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(options.statement_timeout)
        // No background sweep of idle connections: the pool's sweep loops over its count of
        // idle connections without yielding, and that count can wrap below zero while a
        // connection is handed back (sqlx issue 3645), leaving a process spinning a core
        // forever; a one-shot `show` was seen doing it. A connection that died is still
        // replaced, because each one is tested before it is handed out.
        .idle_timeout(None)
        .max_lifetime(None);
    match options.url.backend() {
        Backend::Sqlite => {
            let create = access == Access::ReadWrite && !sqlite_mode_given(&options.url);
            let read_only = access == Access::ReadOnly && sqlite_file(&options.url).is_some();
            connect.max_connections(1).min_connections(1).map_sqlx_sqlite_opts(move |opts| {
                use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
                let opts = opts.synchronous(SqliteSynchronous::Normal).busy_timeout(Duration::from_secs(30));
                let opts = if read_only {
                    // The journal mode is the file's, set by whoever created it: asking for it
                    // would be a write.
                    opts.read_only(true).create_if_missing(false)
                } else if create {
                    opts.journal_mode(SqliteJournalMode::Wal).create_if_missing(true)
                } else {
                    opts.journal_mode(SqliteJournalMode::Wal)
                };
                opts.foreign_keys(true)
            });
        }
        Backend::Postgres => {
            let read_only = access == Access::ReadOnly;
            connect
                .max_connections(options.max_connections)
                .statement_timeout(options.statement_timeout)
                .map_sqlx_postgres_opts(move |opts| {
                    // A cached statement would switch to PostgreSQL's generic plan after five
                    // runs, and the generic plan of the 1,000-name look-up and insert is ruinous:
                    // adding 100,000 domains took 255 s instead of 18 s. Planning each run
                    // is what unnamed statements did anyway.
                    let opts = opts
                        .statement_cache_capacity(STATEMENT_CACHE)
                        .options([("plan_cache_mode", "force_custom_plan")]);
                    // A reading command's session refuses any write, whatever it runs.
                    if read_only { opts.options([("default_transaction_read_only", "on")]) } else { opts }
                });
        }
    }
    Database::connect(connect).await
}

/// The file of a SQLite URL (`sqlite://path?mode=rwc`, `sqlite:path`), unless it names an
/// in-memory database.
pub fn sqlite_file(url: &crate::config::DatabaseUrl) -> Option<PathBuf> {
    if url.backend() != Backend::Sqlite {
        return None;
    }
    let rest = url.expose().strip_prefix("sqlite:")?;
    let rest = rest.trim_start_matches("//");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let in_memory =
        path.is_empty() || path == ":memory:" || query.split('&').any(|pair| pair == "mode=memory");
    (!in_memory).then(|| PathBuf::from(path))
}

/// Whether a SQLite URL says itself how to open the file (`mode=ro`, `rw`, `rwc`, `memory`).
fn sqlite_mode_given(url: &crate::config::DatabaseUrl) -> bool {
    url.expose()
        .split_once('?')
        .is_some_and(|(_, query)| query.split('&').any(|pair| pair.starts_with("mode=")))
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

/// Every known migration in order, with its state. Only reads: the migrations table is not
/// created when it is missing (every migration is then pending).
pub async fn migration_status(db: &DatabaseConnection) -> Result<Vec<MigrationState>, DbErr> {
    let applied: Vec<String> =
        Migrator::get_applied_migrations_read_only(db).await?.iter().map(|m| m.name().to_owned()).collect();
    Ok(Migrator::migrations()
        .iter()
        .map(|m| MigrationState { name: m.name().to_owned(), applied: applied.iter().any(|a| a == m.name()) })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DatabaseUrl;

    fn url(text: &str) -> DatabaseUrl {
        DatabaseUrl::parse(text).unwrap()
    }

    #[test]
    fn a_sqlite_url_names_its_file_unless_it_is_in_memory() {
        assert_eq!(sqlite_file(&url("sqlite://data.db")), Some(PathBuf::from("data.db")));
        assert_eq!(
            sqlite_file(&url("sqlite:///var/lib/d.db?mode=rwc")),
            Some(PathBuf::from("/var/lib/d.db"))
        );
        assert_eq!(sqlite_file(&url("sqlite:data.db")), Some(PathBuf::from("data.db")));
        assert_eq!(sqlite_file(&url("sqlite::memory:")), None);
        assert_eq!(sqlite_file(&url("sqlite://shared?mode=memory&cache=shared")), None);
        assert_eq!(sqlite_file(&url("postgres://localhost/x")), None);
    }

    #[test]
    fn only_a_mode_parameter_counts_as_the_url_choosing_its_mode() {
        assert!(!sqlite_mode_given(&url("sqlite://data.db")));
        assert!(!sqlite_mode_given(&url("sqlite://data.db?cache=shared")));
        assert!(sqlite_mode_given(&url("sqlite://data.db?mode=ro")));
        assert!(sqlite_mode_given(&url("sqlite://data.db?cache=shared&mode=rw")));
    }
}
