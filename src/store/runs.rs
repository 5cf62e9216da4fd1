//! `scheduler_runs`: one row per run, written when the run ends, and read newest first by the
//! API and the console alike.

use chrono::{DateTime, Utc};
use entity::scheduler_runs;
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait, QuerySelect};
use serde::Serialize;
use uuid::Uuid;

use super::keyset::{Before, Keyset, in_list_order, newest_first};

/// The figures of one run, as logged in `SCHEDULER_METRICS` and stored in `scheduler_runs`.
#[derive(Clone, Debug, Serialize)]
pub struct RunMetrics {
    pub run_id: Uuid,
    pub instance_id: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub duration_seconds: f64,
    pub domains_claimed: u32,
    pub domains_processed: u32,
    pub domains_successful: u32,
    pub domains_failed: u32,
    pub domains_retried: u32,
    pub domains_skipped: u32,
    pub success_rate: f64,
}

pub async fn insert<C: ConnectionTrait>(db: &C, metrics: &RunMetrics) -> Result<(), DbErr> {
    let row = scheduler_runs::ActiveModel {
        id: Set(metrics.run_id),
        tenant_id: Set(None),
        instance_id: Set(metrics.instance_id.clone()),
        started_at: Set(metrics.started_at),
        finished_at: Set(Some(metrics.finished_at)),
        duration_seconds: Set(metrics.duration_seconds),
        domains_claimed: Set(metrics.domains_claimed as i32),
        domains_processed: Set(metrics.domains_processed as i32),
        domains_successful: Set(metrics.domains_successful as i32),
        domains_failed: Set(metrics.domains_failed as i32),
        domains_retried: Set(metrics.domains_retried as i32),
        domains_skipped: Set(metrics.domains_skipped as i32),
        success_rate: Set(metrics.success_rate),
    };
    scheduler_runs::Entity::insert(row).exec_without_returning(db).await?;
    Ok(())
}

/// Up to `limit` runs of the page `page` (the newest without one), newest first.
pub async fn page<C: ConnectionTrait>(
    db: &C,
    page: Option<Keyset<Before>>,
    limit: u64,
) -> Result<Vec<scheduler_runs::Model>, DbErr> {
    use scheduler_runs::{Column, Entity};
    let query = newest_first(Entity::find(), Column::StartedAt, Column::Id, page.clone());
    Ok(in_list_order(query.limit(limit).all(db).await?, page.as_ref()))
}

/// The run `id`.
pub async fn find<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<Option<scheduler_runs::Model>, DbErr> {
    scheduler_runs::Entity::find_by_id(id).one(db).await
}
