//! `completions_by_minute`: how many of a tenant's domains were completed in each minute,
//! counted when the results are written. Unlike the domains' own `status` and `fetched_at`, a
//! count never changes afterwards, whatever later happens to the domains.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "completions_by_minute")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    /// The start of the minute (seconds and below zero).
    #[sea_orm(primary_key, auto_increment = false)]
    pub minute: DateTimeUtc,
    pub completed: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
