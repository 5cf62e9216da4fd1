//! `domains`: one row per (tenant, domain name), holding its scheduling state (`status`,
//! `attempts`, `next_attempt_at`, the lease `locked_by`/`locked_until`) and the metadata of
//! its last successful scan. Metadata lists are JSON columns, so one schema serves SQLite and
//! PostgreSQL. The claim index covers (status, next_attempt_at).

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261124_000001_create_batch_jobs::BatchJobs;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Domains::Table)
                    .if_not_exists()
                    .col(uuid(Domains::Id).primary_key())
                    .col(uuid(Domains::TenantId))
                    .col(text(Domains::Domain))
                    .col(string_len(Domains::Status, 16))
                    .col(uuid_null(Domains::BatchId))
                    .col(integer(Domains::Attempts).default(0))
                    .col(integer(Domains::MaxPages).default(1))
                    .col(timestamp_with_time_zone(Domains::NextAttemptAt))
                    .col(text_null(Domains::LockedBy))
                    .col(timestamp_with_time_zone_null(Domains::LockedUntil))
                    .col(text_null(Domains::Title))
                    .col(text_null(Domains::Description))
                    .col(string_len_null(Domains::Language, 35))
                    .col(text_null(Domains::CanonicalUrl))
                    .col(text_null(Domains::FaviconUrl))
                    .col(text_null(Domains::LogoUrl))
                    .col(json_binary(Domains::EmailAddresses))
                    .col(json_binary(Domains::PhoneNumbers))
                    .col(text_null(Domains::TwitterUrl))
                    .col(text_null(Domains::FacebookUrl))
                    .col(text_null(Domains::LinkedinUrl))
                    .col(text_null(Domains::InstagramUrl))
                    .col(text_null(Domains::YoutubeUrl))
                    .col(text_null(Domains::TiktokUrl))
                    .col(text_null(Domains::GithubUrl))
                    .col(text_null(Domains::PinterestUrl))
                    .col(boolean(Domains::IsWordpress).default(false))
                    .col(string_len_null(Domains::WordpressVersion, 32))
                    .col(boolean(Domains::HasElementor).default(false))
                    .col(json_binary(Domains::TechStack))
                    .col(json_binary(Domains::DomainMetadata))
                    .col(integer_null(Domains::HttpStatus))
                    .col(text_null(Domains::FinalUrl))
                    .col(text_null(Domains::LastError))
                    .col(timestamp_with_time_zone_null(Domains::FetchedAt))
                    .col(timestamp_with_time_zone(Domains::CreatedAt))
                    .col(timestamp_with_time_zone(Domains::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_domains_batch")
                            .from(Domains::Table, Domains::BatchId)
                            .to(BatchJobs::Table, BatchJobs::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        // The claim query: due pending rows, oldest due first.
        manager
            .create_index(
                Index::create()
                    .name("idx_domains_status_next_attempt_at")
                    .table(Domains::Table)
                    .col(Domains::Status)
                    .col(Domains::NextAttemptAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_domains_tenant_domain")
                    .table(Domains::Table)
                    .col(Domains::TenantId)
                    .col(Domains::Domain)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_domains_batch")
                    .table(Domains::Table)
                    .col(Domains::BatchId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Domains::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
pub enum Domains {
    Table,
    Id,
    TenantId,
    Domain,
    Status,
    BatchId,
    Attempts,
    MaxPages,
    NextAttemptAt,
    LockedBy,
    LockedUntil,
    Title,
    Description,
    Language,
    CanonicalUrl,
    FaviconUrl,
    LogoUrl,
    EmailAddresses,
    PhoneNumbers,
    TwitterUrl,
    FacebookUrl,
    LinkedinUrl,
    InstagramUrl,
    YoutubeUrl,
    TiktokUrl,
    GithubUrl,
    PinterestUrl,
    IsWordpress,
    WordpressVersion,
    HasElementor,
    TechStack,
    DomainMetadata,
    HttpStatus,
    FinalUrl,
    LastError,
    FetchedAt,
    CreatedAt,
    UpdatedAt,
}
