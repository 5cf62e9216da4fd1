//! `scheduler_pause`: whether an operator paused the claiming of work, one row (`id = 1`)
//! shared by every instance through the database. No row, or `paused_at` null: claiming runs.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "scheduler_pause")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    /// Since when claiming is paused; null while it runs.
    pub paused_at: Option<DateTimeUtc>,
    /// Who paused it: `api` or `cli`, as the pause was asked.
    pub paused_by: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
