//! The console's overview in a handful of aggregate queries: domains by tenant and status, due
//! now, in flight, completions per minute and error kinds over the last hour, and the instances
//! (`super::instances`) with their run in progress and their last run.
//!
//! Each query reads an index rather than the table (migration
//! `m20261130_000006_console_indexes`), and the overview runs them side by side on the pool, so
//! with a million domains it costs about as much as its slowest query (docs/benchmarks.md).

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use entity::{DomainStatus, domain_errors, domains};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    RelationTrait,
};
use uuid::Uuid;

use super::StatusCounts;
use super::instances::{self, InstanceSeen};

/// How far back the per-minute completions and the error kinds look.
pub const RECENT_MINUTES: usize = 60;
/// How far back an instance counts as seen.
pub const INSTANCES_SEEN_HOURS: i64 = 24;

/// Everything on the overview, for one tenant or (an admin's view) for all of them.
#[derive(Clone, Debug, Default)]
pub struct Overview {
    /// Domains by status in the scope.
    pub counts: StatusCounts,
    /// Domains by status for each tenant of the scope, most domains first.
    pub by_tenant: Vec<(Uuid, StatusCounts)>,
    /// Pending domains whose due time has come.
    pub due_now: u64,
    /// Domains being processed, by the instance holding their lease.
    pub in_flight: Vec<(String, u64)>,
    /// Domains completed in each of the last [`RECENT_MINUTES`] minutes, oldest first; the last
    /// one is the current minute so far. Counted as the results were written
    /// (`completions_by_minute`), so a domain requeued or re-scanned since still counts in the
    /// minute it was completed in.
    pub completed_per_minute: Vec<u64>,
    /// Failures of the last hour by stage and kind, most frequent first.
    pub error_kinds: Vec<ErrorKindCount>,
    /// Instances (hosts) at work now or that finished a run in the last
    /// [`INSTANCES_SEEN_HOURS`] hours, with their run in progress and their last run; empty in
    /// a tenant's view, since runs mix tenants.
    pub instances: Vec<InstanceSeen>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorKindCount {
    pub stage: String,
    pub kind: String,
    pub count: u64,
}

/// The overview of `tenant`'s domains, or of every tenant's with `None` (which also lists the
/// instances).
pub async fn overview<C: ConnectionTrait>(
    db: &C,
    tenant: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<Overview, DbErr> {
    let (by_tenant, due_now, in_flight, completed_per_minute, error_kinds) = futures::try_join!(
        counts_by_tenant(db, tenant),
        due_now(db, tenant, now),
        in_flight(db, tenant),
        super::completions::per_minute(db, tenant, now, RECENT_MINUTES),
        error_kinds(db, tenant, now - Duration::minutes(RECENT_MINUTES as i64)),
    )?;
    let instances = match tenant {
        Some(_) => Vec::new(),
        None => instances::seen(db, now - Duration::hours(INSTANCES_SEEN_HOURS), &in_flight).await?,
    };
    let mut counts = StatusCounts::default();
    for (_, tenant) in &by_tenant {
        counts.pending += tenant.pending;
        counts.processing += tenant.processing;
        counts.completed += tenant.completed;
        counts.error += tenant.error;
        counts.gone += tenant.gone;
    }
    Ok(Overview { counts, by_tenant, due_now, in_flight, completed_per_minute, error_kinds, instances })
}

fn scoped(tenant: Option<Uuid>) -> Condition {
    let mut condition = Condition::all();
    if let Some(tenant) = tenant {
        condition = condition.add(domains::Column::TenantId.eq(tenant));
    }
    condition
}

/// Domains by tenant and status: one pass over the (tenant_id, status, ...) index.
async fn counts_by_tenant<C: ConnectionTrait>(
    db: &C,
    tenant: Option<Uuid>,
) -> Result<Vec<(Uuid, StatusCounts)>, DbErr> {
    let rows: Vec<(Uuid, DomainStatus, i64)> = domains::Entity::find()
        .select_only()
        .column(domains::Column::TenantId)
        .column(domains::Column::Status)
        .expr_as(super::count_rows(), "n")
        .filter(scoped(tenant))
        .group_by(domains::Column::TenantId)
        .group_by(domains::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    let mut by_tenant: BTreeMap<Uuid, StatusCounts> = BTreeMap::new();
    for (tenant, status, n) in rows {
        by_tenant.entry(tenant).or_default().add(status, n.max(0) as u64);
    }
    let mut by_tenant: Vec<(Uuid, StatusCounts)> = by_tenant.into_iter().collect();
    by_tenant.sort_by(|a, b| b.1.total().cmp(&a.1.total()).then(a.0.cmp(&b.0)));
    Ok(by_tenant)
}

async fn count<C: ConnectionTrait>(db: &C, condition: Condition) -> Result<u64, DbErr> {
    let n: Option<i64> = domains::Entity::find()
        .select_only()
        .expr_as(super::count_rows(), "n")
        .filter(condition)
        .into_tuple()
        .one(db)
        .await?;
    Ok(n.unwrap_or(0).max(0) as u64)
}

async fn due_now<C: ConnectionTrait>(db: &C, tenant: Option<Uuid>, now: DateTime<Utc>) -> Result<u64, DbErr> {
    let condition = scoped(tenant)
        .add(domains::Column::Status.eq(DomainStatus::Pending))
        .add(domains::Column::NextAttemptAt.lte(now));
    count(db, condition).await
}

async fn in_flight<C: ConnectionTrait>(db: &C, tenant: Option<Uuid>) -> Result<Vec<(String, u64)>, DbErr> {
    let rows: Vec<(Option<String>, i64)> = domains::Entity::find()
        .select_only()
        .column(domains::Column::LockedBy)
        .expr_as(super::count_rows(), "n")
        .filter(scoped(tenant).add(domains::Column::Status.eq(DomainStatus::Processing)))
        .group_by(domains::Column::LockedBy)
        .order_by_asc(domains::Column::LockedBy)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(instance, n)| (instance.unwrap_or_else(|| "(no lease)".to_owned()), n.max(0) as u64))
        .collect())
}

async fn error_kinds<C: ConnectionTrait>(
    db: &C,
    tenant: Option<Uuid>,
    since: DateTime<Utc>,
) -> Result<Vec<ErrorKindCount>, DbErr> {
    let mut query = domain_errors::Entity::find()
        .select_only()
        .column(domain_errors::Column::Stage)
        .column(domain_errors::Column::Kind)
        .expr_as(super::count_rows(), "n")
        .filter(domain_errors::Column::OccurredAt.gte(since))
        .group_by(domain_errors::Column::Stage)
        .group_by(domain_errors::Column::Kind);
    if let Some(tenant) = tenant {
        query = query
            .join(sea_orm::JoinType::InnerJoin, domain_errors::Relation::Domain.def())
            .filter(domains::Column::TenantId.eq(tenant));
    }
    let rows: Vec<(String, String, i64)> = query.into_tuple().all(db).await?;
    let mut kinds: Vec<ErrorKindCount> = rows
        .into_iter()
        .map(|(stage, kind, n)| ErrorKindCount { stage, kind, count: n.max(0) as u64 })
        .collect();
    kinds.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| (&a.stage, &a.kind).cmp(&(&b.stage, &b.kind))));
    Ok(kinds)
}
