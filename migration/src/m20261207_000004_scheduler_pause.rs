//! `scheduler_pause`: one row (`id = 1`) that says whether an operator paused the claiming of
//! work. Every instance sharing the database reads it before it claims, so `pause` on one
//! instance (or from the command line) holds them all. `paused_at` null: claiming runs.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SchedulerPause::Table)
                    .if_not_exists()
                    .col(integer(SchedulerPause::Id).primary_key())
                    .col(timestamp_with_time_zone_null(SchedulerPause::PausedAt))
                    .col(string_len_null(SchedulerPause::PausedBy, 200))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(SchedulerPause::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum SchedulerPause {
    Table,
    Id,
    PausedAt,
    PausedBy,
}
