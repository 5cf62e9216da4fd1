//! What a domain's DNS says about its mail, looked up on each scan (issue 23, item 3):
//!
//! - `domains.mx_hosts`: the MX targets in preference order, a JSON list (`[]`: the domain
//!   publishes no mail exchanger; null: not known, the look-up failed or was not made);
//! - `domains.mail_provider`: who receives the domain's mail, read from the MX targets;
//! - `domains.spf`: the `v=spf1` TXT record as published;
//! - `domains.dmarc_policy`: `none`, `quarantine` or `reject`, from `_dmarc.<domain>`.
//!
//! All null on rows written before this migration, until their next scan.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261124_000002_create_domains::Domains;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite alters one column per statement.
        for column in [
            json_binary_null(DnsRecords::MxHosts),
            string_null(DnsRecords::MailProvider),
            text_null(DnsRecords::Spf),
            string_null(DnsRecords::DmarcPolicy),
        ] {
            manager.alter_table(Table::alter().table(Domains::Table).add_column(column).to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in
            [DnsRecords::DmarcPolicy, DnsRecords::Spf, DnsRecords::MailProvider, DnsRecords::MxHosts]
        {
            manager.alter_table(Table::alter().table(Domains::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum DnsRecords {
    MxHosts,
    MailProvider,
    Spf,
    DmarcPolicy,
}
