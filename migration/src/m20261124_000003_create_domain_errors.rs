//! `domain_errors`: one row per attempt that did not complete its domain (stage, kind,
//! message, which run), so every retry and every `error` is explained. Deleted with its domain.

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
                    .table(DomainErrors::Table)
                    .if_not_exists()
                    .col(big_pk_auto(DomainErrors::Id))
                    .col(uuid(DomainErrors::DomainId))
                    .col(uuid_null(DomainErrors::RunId))
                    .col(integer(DomainErrors::Attempt))
                    .col(string_len(DomainErrors::Stage, 16))
                    .col(string_len(DomainErrors::Kind, 32))
                    .col(text(DomainErrors::Message))
                    .col(timestamp_with_time_zone(DomainErrors::OccurredAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_domain_errors_domain")
                            .from(DomainErrors::Table, DomainErrors::DomainId)
                            .to(Domains::Table, Domains::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_domain_errors_domain")
                    .table(DomainErrors::Table)
                    .col(DomainErrors::DomainId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(DomainErrors::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum DomainErrors {
    Table,
    Id,
    DomainId,
    RunId,
    Attempt,
    Stage,
    Kind,
    Message,
    OccurredAt,
}
