//! PostgreSQL only: trigram indexes (`pg_trgm`) for the console's text search, which looks for
//! a text anywhere in a domain's name, title or last error (`LIKE '%text%'`, in lower case). No
//! B-tree can serve a pattern that starts with a wildcard: without these indexes every search
//! reads the whole table (about 0.5 s for 1,000,000 domains; with them, 5 to 25 ms, see
//! docs/benchmarks.md).
//!
//! The extension ships with PostgreSQL (contrib) and is trusted, so the database's owner may
//! create it. Where it is not installed or may not be created, the migration leaves the search
//! without its indexes (a NOTICE says so) rather than stopping the service: the search still
//! answers, only slower. SQLite searches without them.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        // SeaORM has no builder for extensions and operator classes: SQL text here.
        manager
            .get_connection()
            .execute_unprepared(
                "DO $$
                 BEGIN
                   IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') THEN
                     BEGIN
                       CREATE EXTENSION IF NOT EXISTS pg_trgm;
                     EXCEPTION WHEN insufficient_privilege THEN
                       RAISE NOTICE 'pg_trgm may not be created here: the console text search runs without its indexes';
                     END;
                   ELSE
                     RAISE NOTICE 'pg_trgm is not installed: the console text search runs without its indexes';
                   END IF;
                   IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
                     CREATE INDEX IF NOT EXISTS idx_domains_domain_trgm ON domains USING gin (domain gin_trgm_ops);
                     CREATE INDEX IF NOT EXISTS idx_domains_title_trgm ON domains USING gin (lower(title) gin_trgm_ops);
                     CREATE INDEX IF NOT EXISTS idx_domains_last_error_trgm ON domains USING gin (lower(last_error) gin_trgm_ops);
                   END IF;
                 END $$;",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        // The extension stays: something else in the database may use it.
        manager
            .get_connection()
            .execute_unprepared(
                "DROP INDEX IF EXISTS idx_domains_domain_trgm;
                 DROP INDEX IF EXISTS idx_domains_title_trgm;
                 DROP INDEX IF EXISTS idx_domains_last_error_trgm;",
            )
            .await?;
        Ok(())
    }
}
