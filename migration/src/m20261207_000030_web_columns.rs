//! The web as it serves pages (issue 24): what a visit learnt beyond the page itself.
//! - `tls_problem`: the kind of the certificate refused over https (`tls_expired`,
//!   `tls_untrusted`, `tls_wrong_host`) when the page came over http instead; null otherwise.
//! - `redirects_to`: the registrable domain the visit ended on when it is not the domain's own.
//! - `parked`: the home page is a parking provider's lander or a registrar's placeholder.
//! - `parking_provider`: who parked it, when `parked`.
//!
//! Rows written before this migration read null (or `false`) until their next scan.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261124_000002_create_domains::Domains;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE: one statement each.
        for column in [
            string_len_null(Web::TlsProblem, 32),
            string_len_null(Web::RedirectsTo, 253),
            boolean(Web::Parked).default(false).to_owned(),
            string_len_null(Web::ParkingProvider, 64),
        ] {
            manager.alter_table(Table::alter().table(Domains::Table).add_column(column).to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Web::TlsProblem, Web::RedirectsTo, Web::Parked, Web::ParkingProvider] {
            manager.alter_table(Table::alter().table(Domains::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Web {
    TlsProblem,
    RedirectsTo,
    Parked,
    ParkingProvider,
}
