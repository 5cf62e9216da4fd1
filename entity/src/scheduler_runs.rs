//! `scheduler_runs`: one row per scheduler run, written when the run ends.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "scheduler_runs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Option<Uuid>,
    pub instance_id: String,
    pub started_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
    pub duration_seconds: f64,
    pub domains_claimed: i32,
    pub domains_processed: i32,
    pub domains_successful: i32,
    pub domains_failed: i32,
    pub domains_retried: i32,
    pub domains_skipped: i32,
    pub success_rate: f64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
