//! Completion callbacks in the database: which finished batches are due an announcement, the
//! lease an instance holds while it sends one, and one `callback_deliveries` row per attempt.
//!
//! `batch_jobs.callback_due_at` is the whole schedule. A submission with a callback sets it to
//! its own time; a claim takes the batches whose time has come and none of whose members still
//! waits for the scan the batch asked for (see [`super::members`]), and pushes the time out by
//! a lease in the same statement (`UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED)
//! RETURNING *`, as domain claims do), so two instances on one PostgreSQL database never send the same attempt, and an
//! instance that dies while sending leaves the batch to be claimed again once the lease ends.
//! Recording an attempt sets the time of the next one, or clears it when the callback was
//! delivered or given up.

use chrono::{DateTime, SubsecRound, Utc};
use entity::domains;
use entity::{batch_jobs, batch_members, callback_deliveries};
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType};
use sea_orm::{
    AccessMode, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait,
    IsolationLevel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, TransactionSession,
    TransactionTrait,
};
use uuid::Uuid;

/// Claims up to `limit` finished batches whose callback is due, until `now + lease`. Each
/// returned row's `callback_due_at` is the lease: [`record`] needs it back.
pub async fn claim_due<C: ConnectionTrait>(
    db: &C,
    limit: u64,
    lease: std::time::Duration,
) -> Result<Vec<batch_jobs::Model>, DbErr> {
    let now = Utc::now();
    let unfinished_domain = super::members::joined()
        .expr(Expr::val(1))
        .and_where(
            Expr::col((batch_members::Entity, batch_members::Column::BatchId))
                .equals((batch_jobs::Entity, batch_jobs::Column::Id)),
        )
        .cond_where(super::members::waiting())
        .to_owned();
    let due = batch_jobs::Entity::find()
        .select_only()
        .column(batch_jobs::Column::Id)
        .filter(batch_jobs::Column::CallbackDueAt.lte(now))
        .filter(Expr::not_exists(unfinished_domain))
        .order_by_asc(batch_jobs::Column::CallbackDueAt)
        .limit(limit)
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .into_query();
    // Whole microseconds: the lease is compared again when the attempt is recorded, and
    // PostgreSQL keeps no finer time.
    let lease_until =
        (now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::minutes(1))).trunc_subsecs(6);
    batch_jobs::Entity::update_many()
        .col_expr(batch_jobs::Column::CallbackDueAt, Expr::value(lease_until))
        .filter(batch_jobs::Column::Id.in_subquery(due))
        .exec_with_returning(db)
        .await
}

/// How many attempts the batch's callback has had.
pub async fn attempts_made<C: ConnectionTrait>(db: &C, batch_id: Uuid) -> Result<u64, DbErr> {
    callback_deliveries::Entity::find()
        .filter(callback_deliveries::Column::BatchId.eq(batch_id))
        .count(db)
        .await
}

/// When the batch's last member reached its final state, never before the batch was
/// submitted (members that were done already when it was finish with it).
pub async fn finished_at<C: ConnectionTrait>(db: &C, batch_id: Uuid) -> Result<Option<DateTime<Utc>>, DbErr> {
    let Some(batch) = batch_jobs::Entity::find_by_id(batch_id).one(db).await? else {
        return Ok(None);
    };
    let last = domains::Entity::find()
        .select_only()
        .column_as(domains::Column::UpdatedAt.max(), "finished_at")
        .filter(domains::Column::Id.in_subquery(super::members::domains_of(batch_id)))
        .into_tuple::<Option<DateTime<Utc>>>()
        .one(db)
        .await?
        .flatten();
    Ok(Some(last.map_or(batch.created_at, |last| std::cmp::max(last, batch.created_at))))
}

/// One attempt, as it is recorded.
#[derive(Clone, Debug)]
pub struct AttemptRecord {
    pub batch_id: Uuid,
    pub url: String,
    pub attempt: i32,
    pub attempted_at: DateTime<Utc>,
    pub status_code: Option<i32>,
    /// Why it failed; `None` when it was delivered.
    pub error: Option<String>,
    /// When the next attempt is due; `None` after a delivery and after the last attempt.
    pub next_attempt_at: Option<DateTime<Utc>>,
}

/// Writes `attempt` and schedules the next one (or none), in one transaction. The schedule is
/// only changed while `lease` (the batch's `callback_due_at` from [`claim_due`]) is still
/// this instance's; returns whether it was.
pub async fn record<C: TransactionTrait>(
    db: &C,
    attempt: AttemptRecord,
    lease: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let txn = db.begin().await?;
    let delivered_at = attempt.error.is_none().then_some(attempt.attempted_at);
    let row = callback_deliveries::ActiveModel {
        batch_id: Set(attempt.batch_id),
        url: Set(attempt.url),
        attempt: Set(attempt.attempt),
        attempted_at: Set(attempt.attempted_at),
        status_code: Set(attempt.status_code),
        error: Set(attempt.error),
        delivered_at: Set(delivered_at),
        next_attempt_at: Set(attempt.next_attempt_at),
        ..Default::default()
    };
    callback_deliveries::Entity::insert(row).exec_without_returning(&txn).await?;
    let scheduled = batch_jobs::Entity::update_many()
        .col_expr(batch_jobs::Column::CallbackDueAt, Expr::value(attempt.next_attempt_at))
        .filter(batch_jobs::Column::Id.eq(attempt.batch_id))
        .filter(batch_jobs::Column::CallbackDueAt.eq(lease))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(scheduled.rows_affected == 1)
}

/// The attempts of batch `id`'s callback, the latest first, at most `limit`.
pub async fn deliveries<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    limit: u64,
) -> Result<Vec<callback_deliveries::Model>, DbErr> {
    callback_deliveries::Entity::find()
        .filter(callback_deliveries::Column::BatchId.eq(id))
        .order_by_desc(callback_deliveries::Column::Attempt)
        .limit(limit)
        .all(db)
        .await
}

/// Where a batch's callback stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryState {
    /// Waiting for the batch to finish, or for its next attempt.
    Pending,
    Delivered,
    /// Every attempt failed, or the address was refused.
    Failed,
}

/// A batch's callback and its deliveries so far.
#[derive(Clone, Debug, serde::Serialize)]
pub struct CallbackStatus {
    /// The URL with `***` in place of any credentials.
    pub url: String,
    pub state: DeliveryState,
    pub attempts: u64,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    /// When the next attempt is due (the batch finished and an attempt failed).
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
}

/// The callback of batch `id`; `None` when the batch has none (or does not exist).
///
/// Read in one snapshot: [`record`] changes the batch's schedule and adds an attempt together,
/// and three reads apart could see half of it (an attempt delivered, none counted; or the
/// schedule cleared and no delivery yet, which reads as failed).
pub async fn status<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    id: Uuid,
) -> Result<Option<CallbackStatus>, DbErr> {
    // A PostgreSQL transaction sees one snapshot only under REPEATABLE READ; SQLite's always
    // does, and it takes neither setting (it would log a warning for each).
    let txn = match db.get_database_backend() {
        DbBackend::Postgres => {
            db.begin_with_config(Some(IsolationLevel::RepeatableRead), Some(AccessMode::ReadOnly)).await?
        }
        _ => db.begin().await?,
    };
    let Some(batch) = batch_jobs::Entity::find_by_id(id).one(&txn).await? else {
        return Ok(None);
    };
    let Some(url) = batch.callback_url else {
        return Ok(None);
    };
    let attempts = attempts_made(&txn, id).await?;
    let last = callback_deliveries::Entity::find()
        .filter(callback_deliveries::Column::BatchId.eq(id))
        .order_by_desc(callback_deliveries::Column::Attempt)
        .one(&txn)
        .await?;
    txn.commit().await?;
    let delivered_at = last.as_ref().and_then(|row| row.delivered_at);
    let state = match (delivered_at, batch.callback_due_at) {
        (Some(_), _) => DeliveryState::Delivered,
        (None, None) => DeliveryState::Failed,
        (None, Some(_)) => DeliveryState::Pending,
    };
    Ok(Some(CallbackStatus {
        // Whoever shows the status (the API, the console) never shows the credentials.
        url: crate::callback_url::redact(&url),
        state,
        attempts,
        last_status: last.as_ref().and_then(|row| row.status_code),
        last_error: last.as_ref().and_then(|row| row.error.clone()),
        next_attempt_at: last.as_ref().and_then(|row| row.next_attempt_at),
        delivered_at,
    }))
}
