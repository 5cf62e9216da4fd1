//! `batch_jobs.cancelled_at`: when an operator first cancelled the batch (its pending domains
//! stopped being due for it); null for a batch never cancelled. The batch's state stays derived
//! from its members; this column only says that a cancel, not the pages, ended them.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261124_000001_create_batch_jobs::BatchJobs;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(BatchJobs::Table)
                    .add_column(timestamp_with_time_zone_null(Cancel::CancelledAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(BatchJobs::Table).drop_column(Cancel::CancelledAt).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Cancel {
    CancelledAt,
}
