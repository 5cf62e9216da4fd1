//! Technologies with their evidence, and over time:
//!
//! - `domains.technologies`: a JSON list of `{name, version, confidence, categories, evidence}`
//!   beside `tech_stack` (which keeps its shape for existing clients); rows scanned before this
//!   migration read `[]` until their next scan;
//! - `domain_technologies`: one row per domain and technology it has shown, with the version of
//!   the latest scan and when it was first and last seen, so a technology that goes away keeps
//!   its row (its `last_seen` stops moving) and lists by technology need no JSON search.
//!   Primary key (`domain_id`, `name`); (`tenant_id`, `name`) serves the counts per technology
//!   and the listing's `technology=` filter; the domain reference cascades on delete.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261124_000002_create_domains::Domains;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Domains::Table)
                    .add_column(json_binary(Column::Technologies).default("[]"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(DomainTechnologies::Table)
                    .if_not_exists()
                    .col(uuid(DomainTechnologies::DomainId))
                    .col(uuid(DomainTechnologies::TenantId))
                    .col(string_len(DomainTechnologies::Name, 200))
                    .col(string_len_null(DomainTechnologies::Version, 100))
                    .col(timestamp_with_time_zone(DomainTechnologies::FirstSeen))
                    .col(timestamp_with_time_zone(DomainTechnologies::LastSeen))
                    .primary_key(
                        Index::create().col(DomainTechnologies::DomainId).col(DomainTechnologies::Name),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_domain_technologies_domain")
                            .from(DomainTechnologies::Table, DomainTechnologies::DomainId)
                            .to(Domains::Table, Domains::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_domain_technologies_tenant_name")
                    .table(DomainTechnologies::Table)
                    .col(DomainTechnologies::TenantId)
                    .col(DomainTechnologies::Name)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(DomainTechnologies::Table).to_owned()).await?;
        manager
            .alter_table(Table::alter().table(Domains::Table).drop_column(Column::Technologies).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Column {
    Technologies,
}

#[derive(DeriveIden)]
pub enum DomainTechnologies {
    Table,
    DomainId,
    TenantId,
    Name,
    Version,
    FirstSeen,
    LastSeen,
}
