//! Batch progress, computed from the batch's members (`batch_members`, see [`super::members`]
//! for when a member is done): a batch is `complete` only when the scan it asked for has ended
//! for every one of its domains.

use std::collections::HashMap;

use entity::domains::{Column, Entity};
use entity::{DomainStatus, batch_jobs, batch_members};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};
use serde::Serialize;
use uuid::Uuid;

use super::members;

/// Domains per status.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StatusCounts {
    pub pending: u64,
    pub processing: u64,
    pub completed: u64,
    pub error: u64,
    pub gone: u64,
}

impl StatusCounts {
    pub fn total(&self) -> u64 {
        self.pending + self.processing + self.done()
    }

    /// Domains at the end of their request: `completed`, `error` or `gone`.
    pub fn done(&self) -> u64 {
        self.completed + self.error + self.gone
    }

    pub fn add(&mut self, status: DomainStatus, count: u64) {
        match status {
            DomainStatus::Pending => self.pending += count,
            DomainStatus::Processing => self.processing += count,
            DomainStatus::Completed => self.completed += count,
            DomainStatus::Error => self.error += count,
            DomainStatus::Gone => self.gone += count,
        }
    }

    /// The state of a batch holding these domains.
    pub fn batch_state(&self) -> BatchState {
        let done = self.done();
        if done == self.total() {
            BatchState::Complete
        } else if done == 0 && self.processing == 0 {
            BatchState::Pending
        } else {
            BatchState::Running
        }
    }

    /// Share of these domains done (`completed`, `error` or `gone`), from 0.0 to 1.0; 1.0 when
    /// empty.
    pub fn done_share(&self) -> f64 {
        match self.total() {
            0 => 1.0,
            total => self.done() as f64 / total as f64,
        }
    }
}

/// A batch's state, derived from its domains.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BatchState {
    /// Nothing started yet.
    Pending,
    /// Some domains done or in progress, some not.
    Running,
    /// Every domain `completed` or `error`.
    Complete,
}

#[derive(Clone, Debug, Serialize)]
pub struct BatchProgress {
    pub batch_id: Uuid,
    pub status: BatchState,
    pub total: u64,
    pub counts: StatusCounts,
    /// Share of domains done, from 0.0 to 1.0.
    pub progress: f64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// When an operator first cancelled the batch; null: never cancelled.
    pub cancelled_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Counts of the tenant's domains by status (every tenant's with `None`).
pub async fn counts<C: ConnectionTrait>(db: &C, tenant_id: Option<Uuid>) -> Result<StatusCounts, DbErr> {
    let mut query = Entity::find()
        .select_only()
        .column(Column::Status)
        .expr_as(super::count_rows(), "n")
        .group_by(Column::Status);
    if let Some(tenant_id) = tenant_id {
        query = query.filter(Column::TenantId.eq(tenant_id));
    }
    tally(query.into_tuple::<(DomainStatus, i64)>().all(db).await?)
}

fn tally(rows: Vec<(DomainStatus, i64)>) -> Result<StatusCounts, DbErr> {
    let mut counts = StatusCounts::default();
    for (status, n) in rows {
        counts.add(status, u64::try_from(n).unwrap_or(0));
    }
    Ok(counts)
}

/// The progress of batch `id` of `tenant_id` (of any tenant with `None`), or `None` when there
/// is no such batch.
pub async fn progress<C: ConnectionTrait>(
    db: &C,
    tenant_id: Option<Uuid>,
    id: Uuid,
) -> Result<Option<BatchProgress>, DbErr> {
    let mut query = batch_jobs::Entity::find_by_id(id);
    if let Some(tenant_id) = tenant_id {
        query = query.filter(batch_jobs::Column::TenantId.eq(tenant_id));
    }
    let Some(batch) = query.one(db).await? else {
        return Ok(None);
    };
    let counts = counts_of_batches(db, vec![id]).await?.remove(&id).unwrap_or_default();
    Ok(Some(BatchProgress {
        batch_id: batch.id,
        status: counts.batch_state(),
        total: counts.total(),
        progress: counts.done_share(),
        counts,
        created_at: batch.created_at,
        cancelled_at: batch.cancelled_at,
    }))
}

/// The first `limit` domains of batch `id` of `tenant_id`.
pub async fn domains_of<C: ConnectionTrait>(
    db: &C,
    tenant_id: Uuid,
    id: Uuid,
    limit: u64,
) -> Result<Vec<entity::domains::Model>, DbErr> {
    Entity::find()
        .filter(Column::TenantId.eq(tenant_id))
        .filter(Column::Id.in_subquery(members::domains_of(id)))
        .limit(limit)
        .all(db)
        .await
}

/// Whether batch `id` exists in `tenant_id` (in any tenant with `None`).
pub async fn exists<C: ConnectionTrait>(db: &C, tenant_id: Option<Uuid>, id: Uuid) -> Result<bool, DbErr> {
    let mut query = batch_jobs::Entity::find_by_id(id).select_only().column(batch_jobs::Column::Id);
    if let Some(tenant_id) = tenant_id {
        query = query.filter(batch_jobs::Column::TenantId.eq(tenant_id));
    }
    Ok(query.into_tuple::<Uuid>().one(db).await?.is_some())
}

/// The members of each of `ids` by the status they count as for their batch, in one grouped
/// query; a batch without members is absent.
pub async fn counts_of_batches<C: ConnectionTrait>(
    db: &C,
    ids: Vec<Uuid>,
) -> Result<HashMap<Uuid, StatusCounts>, DbErr> {
    let mut counts: HashMap<Uuid, StatusCounts> = HashMap::new();
    if ids.is_empty() {
        return Ok(counts);
    }
    let mut query = members::grouped(&[batch_members::Column::BatchId]);
    query.and_where(Expr::col((batch_members::Entity, batch_members::Column::BatchId)).is_in(ids));
    for row in db.query_all(&query).await? {
        let (batch, status, outcome, scanned_since, n): members::Counted = row.try_get_many_by_index()?;
        let status = members::counted_status((status, outcome, scanned_since));
        counts.entry(batch).or_default().add(status, u64::try_from(n).unwrap_or(0));
    }
    Ok(counts)
}
