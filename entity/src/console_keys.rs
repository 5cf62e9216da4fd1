//! `console_keys`: the secret that signs console session cookies, one row (`id = 1`) created by
//! the first instance that needs it and shared by every instance through the database.

use sea_orm::entity::prelude::*;

#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "console_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    /// 32 random bytes in hex.
    pub secret: String,
    pub created_at: DateTimeUtc,
}

/// Debug output never shows the secret.
impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("console_keys::Model")
            .field("id", &self.id)
            .field("created_at", &self.created_at)
            .finish()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
