//! Completion callbacks: a submission may name a URL that is told when its batch finishes.
//!
//! - `batch_jobs.callback_url`: where to announce the batch (null: no callback);
//! - `batch_jobs.callback_due_at`: when the delivery loop should next look at the batch (its
//!   first attempt waits for the batch to finish); while an attempt is in flight it is the end
//!   of that attempt's lease, and it is null once the callback was delivered or given up, so
//!   the loop's look-up reads an index of open callbacks only;
//! - `callback_deliveries`: one row per attempt, with the answer's status or the error, when it
//!   was delivered, and when the next attempt is due after a failure.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261124_000001_create_batch_jobs::BatchJobs;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite alters one column per statement.
        manager
            .alter_table(
                Table::alter()
                    .table(BatchJobs::Table)
                    .add_column(text_null(Callbacks::CallbackUrl))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(BatchJobs::Table)
                    .add_column(timestamp_with_time_zone_null(Callbacks::CallbackDueAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_batch_jobs_callback_due_at")
                    .table(BatchJobs::Table)
                    .col(Callbacks::CallbackDueAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CallbackDeliveries::Table)
                    .if_not_exists()
                    .col(big_pk_auto(CallbackDeliveries::Id))
                    .col(uuid(CallbackDeliveries::BatchId))
                    .col(text(CallbackDeliveries::Url))
                    .col(integer(CallbackDeliveries::Attempt))
                    .col(timestamp_with_time_zone(CallbackDeliveries::AttemptedAt))
                    .col(integer_null(CallbackDeliveries::StatusCode))
                    .col(text_null(CallbackDeliveries::Error))
                    .col(timestamp_with_time_zone_null(CallbackDeliveries::DeliveredAt))
                    .col(timestamp_with_time_zone_null(CallbackDeliveries::NextAttemptAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_callback_deliveries_batch")
                            .from(CallbackDeliveries::Table, CallbackDeliveries::BatchId)
                            .to(BatchJobs::Table, BatchJobs::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_callback_deliveries_batch_attempt")
                    .table(CallbackDeliveries::Table)
                    .col(CallbackDeliveries::BatchId)
                    .col(CallbackDeliveries::Attempt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(CallbackDeliveries::Table).to_owned()).await?;
        manager
            .drop_index(
                Index::drop().name("idx_batch_jobs_callback_due_at").table(BatchJobs::Table).to_owned(),
            )
            .await?;
        for column in [Callbacks::CallbackDueAt, Callbacks::CallbackUrl] {
            manager
                .alter_table(Table::alter().table(BatchJobs::Table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}

/// The columns this migration adds to `batch_jobs`.
#[derive(DeriveIden)]
enum Callbacks {
    CallbackUrl,
    CallbackDueAt,
}

#[derive(DeriveIden)]
enum CallbackDeliveries {
    Table,
    Id,
    BatchId,
    Url,
    Attempt,
    AttemptedAt,
    StatusCode,
    Error,
    DeliveredAt,
    NextAttemptAt,
}
