//! `domains.confusable`: the name may read as another one (UTS #39: it mixes scripts, as
//! `аpple.com` with a Cyrillic `а` does, or is written wholly in letters that look like Latin
//! ones). Set when a name is enqueued; rows written before this migration read `false`.

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
                    .add_column(boolean(Confusable::Confusable).default(false))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(Domains::Table).drop_column(Confusable::Confusable).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Confusable {
    Confusable,
}
