//! `batch_jobs`: one row per submission (`add`, `POST /api/v1/domains`), owned by a tenant,
//! with how many domains it holds; a batch's progress is counted from its domains, never
//! stored twice. Indexed by tenant, for a tenant's batch list.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(BatchJobs::Table)
                    .if_not_exists()
                    .col(uuid(BatchJobs::Id).primary_key())
                    .col(uuid(BatchJobs::TenantId))
                    .col(integer(BatchJobs::Total))
                    .col(timestamp_with_time_zone(BatchJobs::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_batch_jobs_tenant")
                    .table(BatchJobs::Table)
                    .col(BatchJobs::TenantId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(BatchJobs::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
pub enum BatchJobs {
    Table,
    Id,
    TenantId,
    Total,
    CreatedAt,
}
