//! Completions per minute (`completions_by_minute`): counted by tenant in the transaction that
//! writes the results, so the overview's chart reads what was completed in each minute as it
//! happened. The domains' own `status` and `fetched_at` cannot say it: a domain requeued,
//! re-scanned or deleted afterwards would move or vanish from the minute it was completed in.

use chrono::{DateTime, Duration, DurationRound, Utc};
use entity::completions_by_minute::{self, Column, Entity};
use entity::domains;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

/// How long the counts are kept: the chart shows the last hour.
const KEPT_FOR: Duration = Duration::days(1);

/// Ids per read: far under either backend's parameter limit.
const CHUNK: usize = 1000;

/// The minute `at` falls in.
pub fn minute_of(at: DateTime<Utc>) -> DateTime<Utc> {
    at.duration_trunc(Duration::minutes(1)).unwrap_or(at)
}

/// Counts the domains `ids`, just completed, in the minute of `at`, by their tenant; forgets
/// the counts older than a day.
pub async fn record<C: ConnectionTrait>(db: &C, ids: &[uuid::Uuid], at: DateTime<Utc>) -> Result<(), DbErr> {
    if ids.is_empty() {
        return Ok(());
    }
    let mut by_tenant: std::collections::BTreeMap<Uuid, i64> = std::collections::BTreeMap::new();
    for chunk in ids.chunks(CHUNK) {
        let tenants: Vec<(Uuid, i64)> = domains::Entity::find()
            .select_only()
            .column(domains::Column::TenantId)
            .expr_as(super::count_rows(), "n")
            .filter(domains::Column::Id.is_in(chunk.iter().copied()))
            .group_by(domains::Column::TenantId)
            .into_tuple()
            .all(db)
            .await?;
        for (tenant, n) in tenants {
            *by_tenant.entry(tenant).or_default() += n;
        }
    }
    if by_tenant.is_empty() {
        return Ok(());
    }
    let minute = minute_of(at);
    let rows = by_tenant.into_iter().map(|(tenant, n)| completions_by_minute::ActiveModel {
        tenant_id: Set(tenant),
        minute: Set(minute),
        completed: Set(n),
    });
    let add =
        Expr::col((Entity, Column::Completed)).add(Expr::col((Alias::new("excluded"), Column::Completed)));
    Entity::insert_many(rows)
        .on_conflict(
            OnConflict::columns([Column::TenantId, Column::Minute]).value(Column::Completed, add).to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Entity::delete_many().filter(Column::Minute.lt(minute - KEPT_FOR)).exec(db).await?;
    Ok(())
}

/// Domains completed in each of the `minutes` minutes up to the one of `now`, oldest first, for
/// `tenant` or every tenant.
pub async fn per_minute<C: ConnectionTrait>(
    db: &C,
    tenant: Option<Uuid>,
    now: DateTime<Utc>,
    minutes: usize,
) -> Result<Vec<u64>, DbErr> {
    let start = minute_of(now) - Duration::minutes(minutes as i64 - 1);
    let mut query = Entity::find()
        .select_only()
        .column(Column::Minute)
        // PostgreSQL sums a bigint as a numeric: cast back, so both backends answer an integer.
        .expr_as(Func::cast_as(Func::sum(Expr::col(Column::Completed)), Alias::new("BIGINT")), "n")
        .filter(Column::Minute.gte(start))
        .group_by(Column::Minute);
    if let Some(tenant) = tenant {
        query = query.filter(Column::TenantId.eq(tenant));
    }
    let rows: Vec<(DateTime<Utc>, Option<i64>)> = query.into_tuple().all(db).await?;
    let mut counts = vec![0u64; minutes];
    for (minute, n) in rows {
        let index = (minute - start).num_minutes();
        if let (Ok(index), Some(n)) = (usize::try_from(index), n)
            && let Some(slot) = counts.get_mut(index)
        {
            *slot += u64::try_from(n).unwrap_or(0);
        }
    }
    Ok(counts)
}
