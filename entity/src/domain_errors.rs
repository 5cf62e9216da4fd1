//! `domain_errors`: one row per failure of one attempt, with the stage and kind that explain it.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "domain_errors")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub domain_id: Uuid,
    pub run_id: Option<Uuid>,
    pub attempt: i32,
    /// `fetch`, `extract`, `persist` or `actor`.
    pub stage: String,
    /// `dns`, `connect`, `tls`, `timeout`, `http_status`, `too_large`, `not_html`,
    /// `blocked_address`, `parse`, `database`, `panic`, ...
    pub kind: String,
    #[sea_orm(column_type = "Text")]
    pub message: String,
    pub occurred_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::domains::Entity",
        from = "Column::DomainId",
        to = "super::domains::Column::Id",
        on_delete = "Cascade"
    )]
    Domain,
}

impl Related<super::domains::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Domain.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
