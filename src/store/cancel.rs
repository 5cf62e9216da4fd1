//! Cancelling a batch: its members still waiting (`pending`) for the scan it asked for stop
//! being due for it.
//! - A domain that no other batch waits for ends in `error`, with a `domain_errors` row (stage
//!   `operator`, kind `cancelled`) and `last_error` saying so, so no domain leaves the queue
//!   without a trace and each can be retried like any other failure.
//! - A domain another unfinished batch still waits for stays due for that batch; this batch
//!   alone records its member as ended in `error` (`batch_members.outcome`).
//!
//! Domains being fetched at that moment (`processing`) are left to finish their attempt, since
//! their instance holds them under a lease: they end `completed` or `error`, or, after a failed
//! attempt that may be retried, `pending` and due again, which a second cancel ends. Nothing is
//! stranded in `processing`: a lease that runs out is taken back as always. Completed and
//! failed members are left as they are. The batch is `complete` once its in-flight domains
//! finish, and its callback (if any) is sent then, counting the cancelled domains as `error`.
//!
//! The batch records when it was first cancelled (`batch_jobs.cancelled_at`), shown with its
//! progress and in its callback.
//!
//! The domains are cancelled [`CHUNK`] at a time, each chunk its own short transaction, so
//! that cancelling a large batch never stalls the pipeline's claims.

use chrono::Utc;
use entity::domains::{ActiveModel, Column, Entity};
use entity::{DomainStatus, batch_jobs, batch_members, domain_errors, domains};
use sea_orm::sea_query::{Expr, ExprTrait, SelectStatement};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect,
    TransactionSession, TransactionTrait,
};
use uuid::Uuid;

use super::bulk::BulkOutcome;
use super::selection::Selection;
use crate::failure::{Failure, Kind, Stage};

/// Rows cancelled per transaction: the returned rows and their error rows stay small.
const CHUNK: u64 = 1000;

/// What a cancel did (or, in a dry run, would do).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Cancelled {
    /// Pending domains no longer due for the batch.
    pub cancelled: u64,
    /// Domains being processed, left to finish.
    pub in_flight: u64,
}

/// What cancelling batch `id` (of `tenant`, or of any tenant with `None`) would do, changing
/// nothing; `None` when there is no such batch in the scope.
pub async fn preview<C: ConnectionTrait>(
    db: &C,
    tenant: Option<Uuid>,
    id: Uuid,
) -> Result<Option<Cancelled>, DbErr> {
    if !super::batches::exists(db, tenant, id).await? {
        return Ok(None);
    }
    let mut count = waiting_pending(id);
    count.expr_as(super::count_rows(), "n");
    let n = match db.query_one(&count).await? {
        Some(row) => row.try_get_by_index::<i64>(0)?,
        None => 0,
    };
    Ok(Some(Cancelled {
        cancelled: u64::try_from(n).unwrap_or(0),
        in_flight: count_processing(db, id).await?,
    }))
}

/// The members of batch `id` still waiting for their scan whose domain is `pending`, joined to
/// their domains, selecting nothing yet.
fn waiting_pending(id: Uuid) -> SelectStatement {
    super::members::joined()
        .and_where(Expr::col((batch_members::Entity, batch_members::Column::BatchId)).eq(id))
        .cond_where(super::members::waiting())
        .and_where(Expr::col((domains::Entity, Column::Status)).eq(DomainStatus::Pending))
        .to_owned()
}

/// Cancels the pending domains of batch `id` (of `tenant`, or of any tenant with `None`), a
/// chunk per transaction; `None` when there is no such batch in the scope.
pub async fn cancel_batch<C: TransactionTrait + ConnectionTrait>(
    db: &C,
    tenant: Option<Uuid>,
    id: Uuid,
    who: &str,
) -> Result<Option<Cancelled>, DbErr> {
    if !super::batches::exists(db, tenant, id).await? {
        return Ok(None);
    }
    let now = Utc::now();
    // The first cancel's time is kept: a second one only ends what became pending since.
    batch_jobs::Entity::update_many()
        .col_expr(batch_jobs::Column::CancelledAt, Expr::value(now))
        .filter(batch_jobs::Column::Id.eq(id))
        .filter(batch_jobs::Column::CancelledAt.is_null())
        .exec(db)
        .await?;
    let message = format!("batch {id} cancelled by {who} before this domain was fetched");
    let mut outcome = Cancelled::default();
    loop {
        let mut chunk = waiting_pending(id);
        chunk.column((domains::Entity, Column::Id)).limit(CHUNK);
        let mut ids = Vec::new();
        for row in db.query_all(&chunk).await? {
            ids.push(row.try_get_by_index::<Uuid>(0)?);
        }
        if ids.is_empty() {
            break;
        }
        let txn = db.begin().await?;
        let shared = super::members::waited_for_elsewhere(&txn, id, &ids).await?;
        // A member read here ends for this batch, or a claim took its domain since and it is no
        // longer pending: either way the next read moves on.
        outcome.cancelled += super::members::close(&txn, id, &shared, DomainStatus::Error).await?;
        let shared_set: std::collections::HashSet<Uuid> = shared.iter().copied().collect();
        let own: Vec<Uuid> = ids.into_iter().filter(|id| !shared_set.contains(id)).collect();
        super::members::keep_answers(&txn, &own).await?;
        outcome.cancelled += end_as_cancelled(&txn, own, &message, now).await?;
        txn.commit().await?;
    }
    outcome.in_flight = count_processing(db, id).await?;
    Ok(Some(outcome))
}

/// Ends the domains `ids` still `pending` in `error`, each with a `domain_errors` row (stage
/// `operator`, kind `cancelled`, `message`); how many it ended. The status is checked again on
/// the row itself: a claim that took a domain since it was read keeps it.
async fn end_as_cancelled<C: ConnectionTrait>(
    txn: &C,
    ids: Vec<Uuid>,
    message: &str,
    now: chrono::DateTime<Utc>,
) -> Result<u64, DbErr> {
    let failure = Failure::new(Stage::Operator, Kind::Cancelled, message);
    let rows = Entity::update_many()
        .set(ActiveModel {
            status: Set(DomainStatus::Error),
            next_attempt_at: Set(super::due::never()),
            last_error: Set(Some(failure.to_string())),
            updated_at: Set(now),
            ..Default::default()
        })
        .filter(Column::Id.is_in(ids))
        .filter(Column::Status.eq(DomainStatus::Pending))
        .exec_with_returning(txn)
        .await?;
    if !rows.is_empty() {
        let errors =
            rows.iter().map(|row| super::failures::error_row(row.id, None, row.attempts, &failure, now));
        domain_errors::Entity::insert_many(errors).exec_without_returning(txn).await?;
    }
    Ok(rows.len() as u64)
}

/// The selection's domains a cancel ends: those `pending` (none when it asks for another
/// status).
fn pending_of(selection: &Selection) -> Option<Selection> {
    match selection.status {
        None | Some(DomainStatus::Pending) => {
            Some(Selection { status: Some(DomainStatus::Pending), ..selection.clone() })
        }
        Some(_) => None,
    }
}

/// Cancels the `pending` domains of `selection`, whatever batch they belong to: each ends in
/// `error` with a `cancelled` failure, as a batch's cancel ends them, a chunk per transaction;
/// with `dry_run`, only counts them. Domains being processed are left to finish and counted as
/// `in_progress`.
pub async fn cancel_selected<C: TransactionTrait + ConnectionTrait>(
    db: &C,
    selection: &Selection,
    who: &str,
    dry_run: bool,
) -> Result<BulkOutcome, DbErr> {
    let in_progress = super::selection::count(db, selection, true).await?;
    let Some(pending) = pending_of(selection) else {
        return Ok(BulkOutcome { affected: 0, in_progress, not_found: Vec::new() });
    };
    if dry_run {
        let affected = super::selection::count(db, &pending, false).await?;
        return Ok(BulkOutcome { affected, in_progress, not_found: Vec::new() });
    }
    let now = Utc::now();
    let message = format!("cancelled by {who} before this domain was fetched");
    let mut affected = 0;
    let mut after: Option<Uuid> = None;
    loop {
        let ids = super::selection::ids_after(db, pending.condition(), after, CHUNK).await?;
        let Some(last) = ids.last().copied() else { break };
        after = Some(last);
        let full = ids.len() as u64 == CHUNK;
        let txn = db.begin().await?;
        super::members::keep_answers(&txn, &ids).await?;
        affected += end_as_cancelled(&txn, ids, &message, now).await?;
        txn.commit().await?;
        if !full {
            break;
        }
    }
    Ok(BulkOutcome { affected, in_progress, not_found: Vec::new() })
}

async fn count_processing<C: ConnectionTrait>(db: &C, batch: Uuid) -> Result<u64, DbErr> {
    let n: Option<i64> = Entity::find()
        .select_only()
        .expr_as(super::count_rows(), "n")
        .filter(Column::Id.in_subquery(super::members::domains_of(batch)))
        .filter(Column::Status.eq(DomainStatus::Processing))
        .into_tuple()
        .one(db)
        .await?;
    Ok(n.and_then(|n| u64::try_from(n).ok()).unwrap_or(0))
}
