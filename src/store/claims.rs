//! Claims and leases: how a domain moves from `pending` to `processing` and back.
//!
//! A claim is one statement on both backends: `UPDATE domains SET status = 'processing', ...
//! WHERE id IN (SELECT id ... ORDER BY next_attempt_at LIMIT n [FOR UPDATE SKIP LOCKED])
//! RETURNING *`. On PostgreSQL the row locks make concurrent claims from any number of
//! processes skip each other's rows; on SQLite the single writer serialises the statements. A
//! claim counts as an attempt, so a domain that crashes its worker cannot be retried forever.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use entity::domains::{self, ActiveModel, Column, Entity};
use entity::{DomainStatus, domain_errors};
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, TransactionSession, TransactionTrait,
};
use uuid::Uuid;

use super::due::{Due, Next};
use super::rescans;
use crate::failure::{Failure, Kind, Stage};

/// Claims up to `limit` due domains for `instance_id` until `now + lease`: pending rows whose due
/// time has come, oldest due first, then, when those do not fill the claim, completed domains
/// due for a re-scan. New work always goes first, so a wave of re-scans never holds back a
/// fresh submission.
pub async fn claim<C: ConnectionTrait>(
    db: &C,
    instance_id: &str,
    limit: u64,
    lease: std::time::Duration,
) -> Result<Vec<domains::Model>, DbErr> {
    claim_for(db, instance_id, limit, lease, None).await
}

/// [`claim`], of `tenant`'s domains only when one is given (a tenant's own run-now).
pub async fn claim_for<C: ConnectionTrait>(
    db: &C,
    instance_id: &str,
    limit: u64,
    lease: std::time::Duration,
    tenant: Option<Uuid>,
) -> Result<Vec<domains::Model>, DbErr> {
    let mut claimed = claim_from(db, Queue::New, instance_id, limit, lease, tenant).await?;
    let left = limit.saturating_sub(claimed.len() as u64);
    if left > 0 {
        claimed.extend(claim_from(db, Queue::Rescans, instance_id, left, lease, tenant).await?);
    }
    Ok(claimed)
}

/// Where due domains wait.
#[derive(Clone, Copy)]
enum Queue {
    /// Pending domains whose due time has come.
    New,
    /// Completed domains whose re-scan is due. A re-scan is a new round of attempts: its count
    /// starts again at one.
    Rescans,
}

/// Leases up to `limit` due domains of `queue`, oldest due first.
async fn claim_from<C: ConnectionTrait>(
    db: &C,
    queue: Queue,
    instance_id: &str,
    limit: u64,
    lease: std::time::Duration,
    tenant: Option<Uuid>,
) -> Result<Vec<domains::Model>, DbErr> {
    let now = Utc::now();
    let (status, due_at) = match queue {
        Queue::New => (DomainStatus::Pending, Column::NextAttemptAt),
        Queue::Rescans => (DomainStatus::Completed, Column::RescanAt),
    };
    let due = Entity::find()
        .select_only()
        .column(Column::Id)
        .filter(Column::Status.eq(status))
        .filter(due_at.lte(now))
        .apply_if(tenant, |query, tenant| query.filter(Column::TenantId.eq(tenant)))
        .order_by_asc(due_at)
        .limit(limit)
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .into_query();
    let locked_until = now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::minutes(5));
    let mut update = Entity::update_many()
        .col_expr(Column::Status, Expr::value(DomainStatus::Processing.as_str()))
        .col_expr(Column::LockedBy, Expr::value(instance_id))
        .col_expr(Column::LockedUntil, Expr::value(locked_until))
        .col_expr(Column::UpdatedAt, Expr::value(now));
    update = match queue {
        Queue::New => update.col_expr(Column::Attempts, Expr::col(Column::Attempts).add(1)),
        Queue::Rescans => update
            .col_expr(Column::Attempts, Expr::value(1))
            .col_expr(Column::RescanAt, Expr::value(Option::<DateTime<Utc>>::None)),
    };
    let mut claimed = update.filter(Column::Id.in_subquery(due)).exec_with_returning(db).await?;
    match queue {
        Queue::New => claimed.sort_by_key(|row| row.next_attempt_at),
        Queue::Rescans => claimed.sort_by_key(|row| row.fetched_at),
    }
    Ok(claimed)
}

/// Takes back domains whose lease expired (their worker died): each gets a `domain_errors` row
/// (stage `actor`, kind `lease_expired`) and goes back to `pending`, due now; when its attempts
/// are spent, to `error`, or, for a re-scan, back to `completed` with its old data, due again
/// after its own re-scan interval (its submission's `rescan_after`, else `rescan_after`), as a
/// re-scan that fails does ([`super::due`]). Returns how many rows were taken back. One
/// transaction: a process killed half-way leaves no domain taken back without the error row that
/// explains its retry.
pub async fn recover_expired<C: TransactionTrait>(
    db: &C,
    max_attempts: u32,
    rescan_after: Option<std::time::Duration>,
) -> Result<u64, DbErr> {
    let txn = db.begin().await?;
    let recovered = recover_expired_in(&txn, max_attempts, rescan_after).await?;
    txn.commit().await?;
    Ok(recovered)
}

async fn recover_expired_in<C: ConnectionTrait>(
    db: &C,
    max_attempts: u32,
    rescan_after: Option<std::time::Duration>,
) -> Result<u64, DbErr> {
    let now = Utc::now();
    let expired =
        Condition::all().add(Column::Status.eq(DomainStatus::Processing)).add(Column::LockedUntil.lt(now));
    let left = Column::Attempts.lt(max_attempts as i32);
    let spent = Column::Attempts.gte(max_attempts as i32);
    let mut recovered =
        take_back(db, expired.clone().add(left), DomainStatus::Pending, Next::Now.at(now), now).await?;
    recovered += take_back(
        db,
        expired.clone().add(spent.clone()).add(Column::FetchedAt.is_null()),
        DomainStatus::Error,
        Next::Never.at(now),
        now,
    )
    .await?;
    // A re-scan whose attempts are spent: each domain keeps its own interval, so the rows are
    // taken back in one statement per distinct interval (usually one).
    let rescans = expired.add(spent).add(Column::FetchedAt.is_not_null());
    let spent_rescans: Vec<(Uuid, Option<i64>)> = Entity::find()
        .select_only()
        .columns([Column::Id, Column::RescanAfterSeconds])
        .filter(rescans.clone())
        .into_tuple()
        .all(db)
        .await?;
    let mut by_interval: BTreeMap<Option<std::time::Duration>, Vec<Uuid>> = BTreeMap::new();
    for (id, own) in spent_rescans {
        by_interval.entry(rescans::own_interval(own, rescan_after)).or_default().push(id);
    }
    for (interval, ids) in by_interval {
        for chunk in ids.chunks(1000) {
            let which = rescans.clone().add(Column::Id.is_in(chunk.iter().copied()));
            recovered +=
                take_back(db, which, DomainStatus::Completed, Next::Rescan(interval).at(now), now).await?;
        }
    }
    Ok(recovered)
}

/// Takes back the expired leases `which` selects: `status` and `due`, no lease, a last error
/// saying why, and the `domain_errors` row of each.
async fn take_back<C: ConnectionTrait>(
    db: &C,
    which: Condition,
    status: DomainStatus,
    due: Due,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let failure = Failure::new(
        Stage::Actor,
        Kind::LeaseExpired,
        "lease expired: the instance holding the domain stopped before finishing it",
    );
    let rows = Entity::update_many()
        .set(ActiveModel {
            status: Set(status),
            locked_by: Set(None),
            locked_until: Set(None),
            next_attempt_at: Set(due.next_attempt_at),
            rescan_at: Set(due.rescan_at),
            last_error: Set(Some(failure.to_string())),
            updated_at: Set(now),
            ..Default::default()
        })
        .filter(which)
        .exec_with_returning(db)
        .await?;
    let errors = rows.iter().map(|row| super::failures::error_row(row.id, None, row.attempts, &failure, now));
    if !rows.is_empty() {
        domain_errors::Entity::insert_many(errors).exec_without_returning(db).await?;
    }
    Ok(rows.len() as u64)
}

/// Hands back the leases of `ids` still held by `instance_id` (at shutdown, or when this
/// process ran short of its own resources): they go back to `pending`, due now, and the claim's
/// attempt is not counted.
pub async fn release<C: ConnectionTrait>(db: &C, instance_id: &str, ids: &[Uuid]) -> Result<u64, DbErr> {
    release_until(db, instance_id, ids, Utc::now()).await
}

/// [`release`], due again at `due`.
pub async fn release_until<C: ConnectionTrait>(
    db: &C,
    instance_id: &str,
    ids: &[Uuid],
    due: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let mut released = 0;
    for chunk in ids.chunks(1000) {
        let result = Entity::update_many()
            .col_expr(Column::Status, Expr::value(DomainStatus::Pending.as_str()))
            .col_expr(Column::LockedBy, Expr::value(Option::<String>::None))
            .col_expr(Column::LockedUntil, Expr::value(Option::<DateTime<Utc>>::None))
            .col_expr(Column::Attempts, Expr::col(Column::Attempts).sub(1))
            .col_expr(Column::NextAttemptAt, Expr::value(due))
            .filter(Column::Id.is_in(chunk.iter().copied()))
            .filter(Column::Status.eq(DomainStatus::Processing))
            .filter(Column::LockedBy.eq(instance_id))
            .exec(db)
            .await?;
        released += result.rows_affected;
    }
    Ok(released)
}

/// Whether any domain is due now (pending and due, due for a re-scan, or holding an expired
/// lease).
pub async fn any_due<C: ConnectionTrait>(db: &C) -> Result<bool, DbErr> {
    let now = Utc::now();
    let due = Condition::any()
        .add(
            Condition::all()
                .add(Column::Status.eq(DomainStatus::Pending))
                .add(Column::NextAttemptAt.lte(now)),
        )
        .add(Condition::all().add(Column::Status.eq(DomainStatus::Completed)).add(Column::RescanAt.lte(now)))
        .add(
            Condition::all()
                .add(Column::Status.eq(DomainStatus::Processing))
                .add(Column::LockedUntil.lt(now)),
        );
    let found = Entity::find()
        .select_only()
        .column(Column::Id)
        .filter(due)
        .limit(1)
        .into_tuple::<Uuid>()
        .one(db)
        .await?;
    Ok(found.is_some())
}
