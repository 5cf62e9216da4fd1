//! Change history: one `domain_changes` row per metadata field a re-scan found changed, written
//! in the same transaction as the domain's update.
//!
//! - (`domain_id`, `scanned_at`, `id`) serves one domain's history newest first, a page at a
//!   time, and the `changed_since` filter of the domain listing (does this domain have a change
//!   at or after T?);
//! - (`tenant_id`, `scanned_at`) serves a tenant's changes since T without reading its domains.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261124_000002_create_domains::Domains;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DomainChanges::Table)
                    .if_not_exists()
                    .col(big_pk_auto(DomainChanges::Id))
                    .col(uuid(DomainChanges::DomainId))
                    .col(uuid(DomainChanges::TenantId))
                    .col(timestamp_with_time_zone(DomainChanges::ScannedAt))
                    .col(string_len(DomainChanges::Field, 32))
                    .col(json_binary(DomainChanges::OldValue))
                    .col(json_binary(DomainChanges::NewValue))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_domain_changes_domain")
                            .from(DomainChanges::Table, DomainChanges::DomainId)
                            .to(Domains::Table, Domains::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_domain_changes_domain_scanned_at")
                    .table(DomainChanges::Table)
                    .col(DomainChanges::DomainId)
                    .col(DomainChanges::ScannedAt)
                    .col(DomainChanges::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_domain_changes_tenant_scanned_at")
                    .table(DomainChanges::Table)
                    .col(DomainChanges::TenantId)
                    .col(DomainChanges::ScannedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(DomainChanges::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum DomainChanges {
    Table,
    Id,
    DomainId,
    TenantId,
    ScannedAt,
    Field,
    OldValue,
    NewValue,
}
