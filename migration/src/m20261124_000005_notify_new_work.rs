//! PostgreSQL only: a notification on channel `domain_scheduler_work` whenever a row becomes
//! due (`pending`), whoever wrote it (`add`, the API, another instance, any program), so an idle
//! service starts at once instead of at its next tick. PostgreSQL folds identical notifications
//! of one transaction into one, so a bulk insert sends one. SQLite has no such channel: there
//! the tick finds new work.

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
        // SeaORM has no builder for functions and triggers: this is the one place with SQL text.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE OR REPLACE FUNCTION domain_scheduler_notify_work() RETURNS trigger AS $$
                 BEGIN PERFORM pg_notify('domain_scheduler_work', ''); RETURN NULL; END;
                 $$ LANGUAGE plpgsql;
                 CREATE TRIGGER domains_notify_work AFTER INSERT OR UPDATE OF status ON domains
                 FOR EACH ROW WHEN (NEW.status = 'pending') EXECUTE FUNCTION domain_scheduler_notify_work();",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        manager
            .get_connection()
            .execute_unprepared(
                "DROP TRIGGER IF EXISTS domains_notify_work ON domains;
                 DROP FUNCTION IF EXISTS domain_scheduler_notify_work();",
            )
            .await?;
        Ok(())
    }
}
