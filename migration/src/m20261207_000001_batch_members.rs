//! `batch_members`: which domains each batch was submitted with. A batch keeps its members
//! whatever later submissions do to the same domains (a refresh used to move a domain to the
//! newest batch, so the batch a client held shrank, down to an empty "complete" batch).
//!
//! - primary key (`batch_id`, `domain_id`): one row per domain of a batch, and a batch's members
//!   read from the key alone;
//! - (`domain_id`): the batches a domain belongs to, when a refresh or a reset closes them;
//! - both references cascade on delete, so deleting a domain or a batch leaves no member behind.
//!
//! `outcome` is null while the domain's own row tells how the batch's requested scan went; a
//! refresh or a reset that takes a finished domain back for a new scan writes the domain's final
//! status there first, so the earlier batch keeps the outcome of the scan it asked for.
//!
//! The backfill writes one member per domain with a `batch_id` (added at the domain's
//! `created_at`), so every batch keeps the domains it reads today; a trigger does the same for
//! every row inserted later with a `batch_id`, so a program that inserts domains the way it
//! did before still fills the batch it names.

use sea_orm_migration::sea_orm::DbBackend;
use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261124_000001_create_batch_jobs::BatchJobs;
use crate::m20261124_000002_create_domains::Domains;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(BatchMembers::Table)
                    .if_not_exists()
                    .col(uuid(BatchMembers::BatchId))
                    .col(uuid(BatchMembers::DomainId))
                    .col(uuid(BatchMembers::TenantId))
                    .col(timestamp_with_time_zone(BatchMembers::AddedAt))
                    .col(string_len_null(BatchMembers::Outcome, 16))
                    .primary_key(Index::create().col(BatchMembers::BatchId).col(BatchMembers::DomainId))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_batch_members_batch")
                            .from(BatchMembers::Table, BatchMembers::BatchId)
                            .to(BatchJobs::Table, BatchJobs::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_batch_members_domain")
                            .from(BatchMembers::Table, BatchMembers::DomainId)
                            .to(Domains::Table, Domains::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_batch_members_domain")
                    .table(BatchMembers::Table)
                    .col(BatchMembers::DomainId)
                    .to_owned(),
            )
            .await?;
        let members_of_today = Query::select()
            .column(Domains::BatchId)
            .column(Domains::Id)
            .column(Domains::TenantId)
            .column(Domains::CreatedAt)
            .from(Domains::Table)
            .and_where(Expr::col(Domains::BatchId).is_not_null())
            .to_owned();
        let backfill = Query::insert()
            .into_table(BatchMembers::Table)
            .columns([
                BatchMembers::BatchId,
                BatchMembers::DomainId,
                BatchMembers::TenantId,
                BatchMembers::AddedAt,
            ])
            .select_from(members_of_today)
            .map_err(|e| DbErr::Migration(e.to_string()))?
            .to_owned();
        manager.exec_stmt(backfill).await?;
        // SeaORM has no builder for triggers: SQL text, as in the notification migration.
        let trigger = match manager.get_database_backend() {
            DbBackend::Postgres => {
                "CREATE OR REPLACE FUNCTION domain_scheduler_batch_member() RETURNS trigger AS $$
                 BEGIN
                   INSERT INTO batch_members (batch_id, domain_id, tenant_id, added_at)
                   VALUES (NEW.batch_id, NEW.id, NEW.tenant_id, NEW.created_at) ON CONFLICT DO NOTHING;
                   RETURN NULL;
                 END;
                 $$ LANGUAGE plpgsql;
                 CREATE TRIGGER domains_batch_member AFTER INSERT ON domains
                 FOR EACH ROW WHEN (NEW.batch_id IS NOT NULL) EXECUTE FUNCTION domain_scheduler_batch_member();"
            }
            _ => {
                "CREATE TRIGGER domains_batch_member AFTER INSERT ON domains
                 FOR EACH ROW WHEN NEW.batch_id IS NOT NULL
                 BEGIN
                   INSERT OR IGNORE INTO batch_members (batch_id, domain_id, tenant_id, added_at)
                   VALUES (NEW.batch_id, NEW.id, NEW.tenant_id, NEW.created_at);
                 END;"
            }
        };
        manager.get_connection().execute_unprepared(trigger).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let drop_trigger = match manager.get_database_backend() {
            DbBackend::Postgres => {
                "DROP TRIGGER IF EXISTS domains_batch_member ON domains;
                 DROP FUNCTION IF EXISTS domain_scheduler_batch_member();"
            }
            _ => "DROP TRIGGER IF EXISTS domains_batch_member;",
        };
        manager.get_connection().execute_unprepared(drop_trigger).await?;
        manager.drop_table(Table::drop().table(BatchMembers::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
pub enum BatchMembers {
    Table,
    BatchId,
    DomainId,
    TenantId,
    AddedAt,
    Outcome,
}
