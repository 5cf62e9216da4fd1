//! `callback_deliveries`: one row per attempt to announce a finished batch to its callback URL,
//! with what came of it: the answer's status, or the error (a refused address included).

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "callback_deliveries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub batch_id: Uuid,
    /// The URL this attempt was sent to.
    #[sea_orm(column_type = "Text")]
    pub url: String,
    /// 1 for the first attempt of the batch's callback.
    pub attempt: i32,
    pub attempted_at: DateTimeUtc,
    /// The receiver's answer; null when none came (refused address, connection, time-out).
    pub status_code: Option<i32>,
    /// Why the attempt failed; null when it was delivered.
    #[sea_orm(column_type = "Text", nullable)]
    pub error: Option<String>,
    /// Set when the receiver answered 2xx.
    pub delivered_at: Option<DateTimeUtc>,
    /// When the next attempt is due after this failure; null after a delivery and after the
    /// last attempt.
    pub next_attempt_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::batch_jobs::Entity",
        from = "Column::BatchId",
        to = "super::batch_jobs::Column::Id",
        on_delete = "Cascade"
    )]
    Batch,
}

impl Related<super::batch_jobs::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Batch.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
