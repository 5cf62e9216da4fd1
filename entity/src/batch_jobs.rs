//! `batch_jobs`: one row per submission. Its status and counts are computed from its domains,
//! never stored, so a batch can only report `complete` once every domain is done.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "batch_jobs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub total: i32,
    pub created_at: DateTimeUtc,
    /// Where the batch is announced once it finishes (http or https); null: no callback.
    #[sea_orm(column_type = "Text", nullable)]
    pub callback_url: Option<String>,
    /// When the delivery loop next looks at the callback: while an attempt is in flight, the
    /// end of its lease; null once delivered or given up (and when there is no callback).
    pub callback_due_at: Option<DateTimeUtc>,
    /// When an operator first cancelled the batch; null: never cancelled.
    pub cancelled_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::domains::Entity")]
    Domains,
    #[sea_orm(has_many = "super::callback_deliveries::Entity")]
    CallbackDeliveries,
}

impl Related<super::domains::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Domains.def()
    }
}

impl Related<super::callback_deliveries::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::CallbackDeliveries.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
