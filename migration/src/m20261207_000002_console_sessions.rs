//! What the console keeps on the server, shared by every instance through the database:
//!
//! - `console_keys`: one random secret (row `id = 1`), created by the first instance that signs
//!   a session in and read by all, so a session cookie signed by one instance is accepted by
//!   every other without a setting of its own;
//! - `console_revocations`: the sessions signed out before they expired (their nonce), kept
//!   only until then;
//! - `completions_by_minute`: domains completed in each minute, by tenant, counted when the
//!   result is written, so the overview's chart says what happened then and is not rewritten
//!   when a domain is requeued, re-scanned or deleted later.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ConsoleKeys::Table)
                    .if_not_exists()
                    .col(integer(ConsoleKeys::Id).primary_key())
                    .col(string_len(ConsoleKeys::Secret, 64))
                    .col(timestamp_with_time_zone(ConsoleKeys::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ConsoleRevocations::Table)
                    .if_not_exists()
                    .col(string_len(ConsoleRevocations::Nonce, 32).primary_key())
                    .col(timestamp_with_time_zone(ConsoleRevocations::ExpiresAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_console_revocations_expires_at")
                    .table(ConsoleRevocations::Table)
                    .col(ConsoleRevocations::ExpiresAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CompletionsByMinute::Table)
                    .if_not_exists()
                    .col(uuid(CompletionsByMinute::TenantId))
                    .col(timestamp_with_time_zone(CompletionsByMinute::Minute))
                    .col(big_integer(CompletionsByMinute::Completed))
                    .primary_key(
                        Index::create().col(CompletionsByMinute::TenantId).col(CompletionsByMinute::Minute),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_completions_by_minute_minute")
                    .table(CompletionsByMinute::Table)
                    .col(CompletionsByMinute::Minute)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(CompletionsByMinute::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(ConsoleRevocations::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(ConsoleKeys::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum ConsoleKeys {
    Table,
    Id,
    Secret,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ConsoleRevocations {
    Table,
    Nonce,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum CompletionsByMinute {
    Table,
    TenantId,
    Minute,
    Completed,
}
