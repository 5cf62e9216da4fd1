//! `scheduler_runs`: one row per run with the figures its `SCHEDULER_METRICS` line logs
//! (claimed, processed, successful, failed, retried, skipped, duration), read by
//! `GET /api/v1/scheduler/runs`. Indexed by start time, newest first.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SchedulerRuns::Table)
                    .if_not_exists()
                    .col(uuid(SchedulerRuns::Id).primary_key())
                    .col(uuid_null(SchedulerRuns::TenantId))
                    .col(text(SchedulerRuns::InstanceId))
                    .col(timestamp_with_time_zone(SchedulerRuns::StartedAt))
                    .col(timestamp_with_time_zone_null(SchedulerRuns::FinishedAt))
                    .col(double(SchedulerRuns::DurationSeconds))
                    .col(integer(SchedulerRuns::DomainsClaimed))
                    .col(integer(SchedulerRuns::DomainsProcessed))
                    .col(integer(SchedulerRuns::DomainsSuccessful))
                    .col(integer(SchedulerRuns::DomainsFailed))
                    .col(integer(SchedulerRuns::DomainsRetried))
                    .col(integer(SchedulerRuns::DomainsSkipped))
                    .col(double(SchedulerRuns::SuccessRate))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_scheduler_runs_started_at")
                    .table(SchedulerRuns::Table)
                    .col(SchedulerRuns::StartedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(SchedulerRuns::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum SchedulerRuns {
    Table,
    Id,
    TenantId,
    InstanceId,
    StartedAt,
    FinishedAt,
    DurationSeconds,
    DomainsClaimed,
    DomainsProcessed,
    DomainsSuccessful,
    DomainsFailed,
    DomainsRetried,
    DomainsSkipped,
    SuccessRate,
}
