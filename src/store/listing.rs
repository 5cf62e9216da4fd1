//! Pages of batches, domains and errors for the console and the API, each one keyset-paged
//! ([`super::keyset`]). `tenant` limits a query to one tenant; `None` is an admin's view of all
//! of them. The runs are read in [`super::runs`].

use chrono::{DateTime, Utc};
use entity::{DomainStatus, batch_jobs, domain_errors, domains};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect, RelationTrait,
};
use uuid::Uuid;

use super::StatusCounts;
use super::selection::Selection;

/// The positions of these lists, where the pages that name them have always found them.
pub use super::keyset::{After, Before, Keyset};
use super::keyset::{in_list_order, newest_first};

/// A failure recorded by a run, with the name of its domain.
#[derive(Clone, Debug, FromQueryResult)]
pub struct RunFailure {
    pub id: i64,
    pub domain_id: Uuid,
    pub domain: String,
    pub tenant_id: Uuid,
    pub attempt: i32,
    pub stage: String,
    pub kind: String,
    pub message: String,
    pub occurred_at: DateTime<Utc>,
}

/// Up to `limit` failures recorded by run `run_id`, newest first.
pub async fn run_failures<C: ConnectionTrait>(
    db: &C,
    run_id: Uuid,
    limit: u64,
) -> Result<Vec<RunFailure>, DbErr> {
    use domain_errors::{Column, Entity};
    Entity::find()
        .select_only()
        .columns([
            Column::Id,
            Column::DomainId,
            Column::Attempt,
            Column::Stage,
            Column::Kind,
            Column::Message,
            Column::OccurredAt,
        ])
        .column(domains::Column::Domain)
        .column(domains::Column::TenantId)
        .join(sea_orm::JoinType::InnerJoin, domain_errors::Relation::Domain.def())
        .filter(Column::RunId.eq(run_id))
        .order_by_desc(Column::Id)
        .limit(limit)
        .into_model::<RunFailure>()
        .all(db)
        .await
}

/// A batch with its members counted by the status each counts as for it.
#[derive(Clone, Debug)]
pub struct BatchRow {
    pub batch: batch_jobs::Model,
    pub counts: StatusCounts,
}

/// Up to `limit` batches, newest first, after `before`, each with its counts.
pub async fn batches<C: ConnectionTrait>(
    db: &C,
    tenant: Option<Uuid>,
    before: Option<Before>,
    limit: u64,
) -> Result<Vec<BatchRow>, DbErr> {
    batches_page(db, tenant, before.map(Keyset::Next), limit).await
}

/// Up to `limit` batches of the page `page` (the newest without one), newest first, each with
/// its counts.
pub async fn batches_page<C: ConnectionTrait>(
    db: &C,
    tenant: Option<Uuid>,
    page: Option<Keyset<Before>>,
    limit: u64,
) -> Result<Vec<BatchRow>, DbErr> {
    let mut query = batch_jobs::Entity::find();
    if let Some(tenant) = tenant {
        query = query.filter(batch_jobs::Column::TenantId.eq(tenant));
    }
    let query = newest_first(query, batch_jobs::Column::CreatedAt, batch_jobs::Column::Id, page.clone());
    let batches = in_list_order(query.limit(limit).all(db).await?, page.as_ref());
    let mut counts = super::batches::counts_of_batches(db, batches.iter().map(|b| b.id).collect()).await?;
    Ok(batches
        .into_iter()
        .map(|batch| BatchRow { counts: counts.remove(&batch.id).unwrap_or_default(), batch })
        .collect())
}

/// The batch `id`, if it is in the scope, with its counts.
pub async fn batch<C: ConnectionTrait>(
    db: &C,
    tenant: Option<Uuid>,
    id: Uuid,
) -> Result<Option<BatchRow>, DbErr> {
    let mut query = batch_jobs::Entity::find_by_id(id);
    if let Some(tenant) = tenant {
        query = query.filter(batch_jobs::Column::TenantId.eq(tenant));
    }
    let Some(batch) = query.one(db).await? else { return Ok(None) };
    let counts = super::batches::counts_of_batches(db, vec![id]).await?.remove(&id).unwrap_or_default();
    Ok(Some(BatchRow { batch, counts }))
}

/// What a domain list shows of each row: never the large metadata columns.
#[derive(Clone, Debug, FromQueryResult)]
pub struct DomainRow {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub domain: String,
    pub status: DomainStatus,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub title: Option<String>,
    pub last_error: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// Up to `limit` domains of `selection` on the page `page` (the first without one), in name
/// order (then id: an admin's list may hold the same name for several tenants).
pub async fn domains<C: ConnectionTrait>(
    db: &C,
    selection: &Selection,
    page: Option<Keyset<After>>,
    limit: u64,
) -> Result<Vec<DomainRow>, DbErr> {
    use domains::Column;
    let query = domains::Entity::find()
        .select_only()
        .columns([
            Column::Id,
            Column::TenantId,
            Column::Domain,
            Column::Status,
            Column::Attempts,
            Column::NextAttemptAt,
            Column::Title,
            Column::LastError,
            Column::UpdatedAt,
        ])
        .filter(selection.condition());
    let query = match &page {
        None => query.order_by_asc(Column::Domain).order_by_asc(Column::Id),
        Some(Keyset::Next(after)) => query
            .filter(Condition::any().add(Column::Domain.gt(after.domain.as_str())).add(
                Condition::all().add(Column::Domain.eq(after.domain.as_str())).add(Column::Id.gt(after.id)),
            ))
            .order_by_asc(Column::Domain)
            .order_by_asc(Column::Id),
        Some(Keyset::Previous(before)) => query
            .filter(Condition::any().add(Column::Domain.lt(before.domain.as_str())).add(
                Condition::all().add(Column::Domain.eq(before.domain.as_str())).add(Column::Id.lt(before.id)),
            ))
            .order_by_desc(Column::Domain)
            .order_by_desc(Column::Id),
    };
    let rows = query.limit(limit).into_model::<DomainRow>().all(db).await?;
    Ok(in_list_order(rows, page.as_ref()))
}

/// The domain `id`, if it is in the scope.
pub async fn domain<C: ConnectionTrait>(
    db: &C,
    tenant: Option<Uuid>,
    id: Uuid,
) -> Result<Option<domains::Model>, DbErr> {
    let mut query = domains::Entity::find_by_id(id);
    if let Some(tenant) = tenant {
        query = query.filter(domains::Column::TenantId.eq(tenant));
    }
    query.one(db).await
}

/// Up to `limit` failures of domain `id` on the page `page` (the newest without one), newest
/// first: `Next(id)` the failures older than failure `id`, `Previous(id)` the newer ones.
pub async fn errors_page<C: ConnectionTrait>(
    db: &C,
    domain_id: Uuid,
    page: Option<Keyset<i64>>,
    limit: u64,
) -> Result<Vec<domain_errors::Model>, DbErr> {
    use domain_errors::Column;
    let query = domain_errors::Entity::find().filter(Column::DomainId.eq(domain_id));
    let query = match page {
        None => query.order_by_desc(Column::Id),
        Some(Keyset::Next(before)) => query.filter(Column::Id.lt(before)).order_by_desc(Column::Id),
        Some(Keyset::Previous(after)) => query.filter(Column::Id.gt(after)).order_by_asc(Column::Id),
    };
    let rows = query.limit(limit).all(db).await?;
    Ok(in_list_order(rows, page.as_ref()))
}
