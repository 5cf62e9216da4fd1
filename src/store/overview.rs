//! The console's overview in a handful of aggregate queries: domains by tenant and status, due
//! now, in flight, completions per minute and error kinds over the last hour, and the instances
//! seen with their last run.
//!
//! Each query reads an index rather than the table (migration
//! `m20261130_000006_console_indexes`), and the overview runs them side by side on the pool, so
//! with a million domains it costs about as much as its slowest query (docs/benchmarks.md).

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, DurationRound, Utc};
use entity::{DomainStatus, domain_errors, domains, scheduler_runs};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QueryResult, QuerySelect, RelationTrait,
};
use uuid::Uuid;

use super::StatusCounts;

/// How far back the per-minute completions and the error kinds look.
pub const RECENT_MINUTES: usize = 60;
/// How far back an instance counts as seen.
pub const INSTANCES_SEEN_HOURS: i64 = 24;
/// Most instances listed.
const INSTANCES_SHOWN: u64 = 50;

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
    /// one is the current minute so far.
    pub completed_per_minute: Vec<u64>,
    /// Failures of the last hour by stage and kind, most frequent first.
    pub error_kinds: Vec<ErrorKindCount>,
    /// Instances that started a run in the last [`INSTANCES_SEEN_HOURS`] hours, with their
    /// last run; empty in a tenant's view, since runs mix tenants.
    pub instances: Vec<InstanceSeen>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorKindCount {
    pub stage: String,
    pub kind: String,
    pub count: u64,
}

#[derive(Clone, Debug)]
pub struct InstanceSeen {
    pub instance_id: String,
    pub runs: u64,
    pub last_run: scheduler_runs::Model,
}

/// The overview of `tenant`'s domains, or of every tenant's with `None` (which also lists the
/// instances).
pub async fn overview<C: ConnectionTrait>(
    db: &C,
    tenant: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<Overview, DbErr> {
    let (by_tenant, due_now, in_flight, completed_per_minute, error_kinds, instances) = futures::try_join!(
        counts_by_tenant(db, tenant),
        due_now(db, tenant, now),
        in_flight(db, tenant),
        completed_per_minute(db, tenant, now),
        error_kinds(db, tenant, now - Duration::minutes(RECENT_MINUTES as i64)),
        async {
            match tenant {
                Some(_) => Ok(Vec::new()),
                None => instances_seen(db, now - Duration::hours(INSTANCES_SEEN_HOURS)).await,
            }
        },
    )?;
    let mut counts = StatusCounts::default();
    for (_, tenant) in &by_tenant {
        counts.pending += tenant.pending;
        counts.processing += tenant.processing;
        counts.completed += tenant.completed;
        counts.error += tenant.error;
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

/// One count per minute, read back by column name (`m0` .. `m59`).
struct MinuteCounts(Vec<u64>);

impl FromQueryResult for MinuteCounts {
    fn from_query_result(row: &QueryResult, prefix: &str) -> Result<Self, DbErr> {
        (0..RECENT_MINUTES)
            .map(|minute| row.try_get::<Option<i64>>(prefix, &format!("m{minute}")))
            .map(|n| n.map(|n| n.unwrap_or(0).max(0) as u64))
            .collect::<Result<Vec<u64>, DbErr>>()
            .map(MinuteCounts)
    }
}

/// Completions per minute over the last hour in one pass over the hour's completions, one
/// `COUNT(CASE WHEN minute THEN 1 END)` column per minute: no date function, so the same
/// query runs on both backends.
async fn completed_per_minute<C: ConnectionTrait>(
    db: &C,
    tenant: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<Vec<u64>, DbErr> {
    let this_minute = now.duration_trunc(Duration::minutes(1)).unwrap_or(now);
    let start = this_minute - Duration::minutes(RECENT_MINUTES as i64 - 1);
    let mut query = domains::Entity::find().select_only().filter(
        scoped(tenant)
            .add(domains::Column::Status.eq(DomainStatus::Completed))
            .add(domains::Column::FetchedAt.gte(start)),
    );
    for minute in 0..RECENT_MINUTES {
        let from = start + Duration::minutes(minute as i64);
        let within = Condition::all()
            .add(domains::Column::FetchedAt.gte(from))
            .add(domains::Column::FetchedAt.lt(from + Duration::minutes(1)));
        query = query.expr_as(Func::count(Expr::case(within, 1)), format!("m{minute}"));
    }
    let counts = query.into_model::<MinuteCounts>().one(db).await?;
    Ok(counts.map(|c| c.0).unwrap_or_else(|| vec![0; RECENT_MINUTES]))
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

/// Instances that started a run since `since`, each with its run count and last run, most
/// recently seen first.
async fn instances_seen<C: ConnectionTrait>(
    db: &C,
    since: DateTime<Utc>,
) -> Result<Vec<InstanceSeen>, DbErr> {
    let seen: Vec<(String, i64)> = scheduler_runs::Entity::find()
        .select_only()
        .column(scheduler_runs::Column::InstanceId)
        .expr_as(super::count_rows(), "n")
        .filter(scheduler_runs::Column::StartedAt.gte(since))
        .group_by(scheduler_runs::Column::InstanceId)
        .order_by_desc(scheduler_runs::Column::StartedAt.max())
        .limit(INSTANCES_SHOWN)
        .into_tuple()
        .all(db)
        .await?;
    let mut instances = Vec::with_capacity(seen.len());
    for (instance_id, runs) in seen {
        let last_run = scheduler_runs::Entity::find()
            .filter(scheduler_runs::Column::InstanceId.eq(instance_id.as_str()))
            .order_by_desc(scheduler_runs::Column::StartedAt)
            .one(db)
            .await?;
        if let Some(last_run) = last_run {
            instances.push(InstanceSeen { instance_id, runs: runs.max(0) as u64, last_run });
        }
    }
    Ok(instances)
}
