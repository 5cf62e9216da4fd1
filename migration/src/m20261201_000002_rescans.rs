//! Re-scans: a completed domain falls due again a while after its last success.
//!
//! - `domains.rescan_at`: when a completed domain is next due for a re-scan (null: never, as
//!   for a domain in any other status, or when re-scans are off for it);
//! - `domains.rescan_after_seconds`: the submission's own re-scan interval (null: the service's
//!   `DOMAIN_SCHEDULER_RESCAN_AFTER`; 0: never re-scanned);
//! - an index on (`status`, `rescan_at`), which the claim reads for due re-scans after the new
//!   work, as (`status`, `next_attempt_at`) serves the new work.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261124_000002_create_domains::Domains;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite alters one column per statement.
        manager
            .alter_table(
                Table::alter()
                    .table(Domains::Table)
                    .add_column(timestamp_with_time_zone_null(Rescans::RescanAt))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Domains::Table)
                    .add_column(big_integer_null(Rescans::RescanAfterSeconds))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_domains_status_rescan_at")
                    .table(Domains::Table)
                    .col(Domains::Status)
                    .col(Rescans::RescanAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name("idx_domains_status_rescan_at").table(Domains::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter().table(Domains::Table).drop_column(Rescans::RescanAfterSeconds).to_owned(),
            )
            .await?;
        manager
            .alter_table(Table::alter().table(Domains::Table).drop_column(Rescans::RescanAt).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Rescans {
    RescanAt,
    RescanAfterSeconds,
}
