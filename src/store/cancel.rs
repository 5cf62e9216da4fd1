//! Cancelling a batch: its members still waiting (`pending`) for the scan it asked for end in
//! `error`, each with a `domain_errors` row (stage `operator`, kind `cancelled`) and
//! `last_error` saying so, so no domain leaves the queue without a trace and each can be
//! retried like any other failure.
//! Domains being fetched at that moment finish as they would have; completed and failed ones
//! are left as they are.

use chrono::Utc;
use entity::domains::{ActiveModel, Column, Entity};
use entity::{DomainStatus, batch_jobs, batch_members, domain_errors, domains};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect,
    TransactionSession, TransactionTrait,
};
use uuid::Uuid;

use crate::failure::{Kind, Stage};

/// Rows cancelled per statement: the returned rows and their error rows stay small.
const CHUNK: u64 = 1000;

/// What a cancel did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Cancelled {
    /// Pending domains now in `error`.
    pub cancelled: u64,
    /// Domains being processed, left to finish.
    pub in_flight: u64,
}

/// Cancels the pending domains of batch `id` (of `tenant`, or of any tenant with `None`) in
/// one transaction; `None` when there is no such batch in the scope.
pub async fn cancel_batch<C: TransactionTrait>(
    db: &C,
    tenant: Option<Uuid>,
    id: Uuid,
    who: &str,
) -> Result<Option<Cancelled>, DbErr> {
    let txn = db.begin().await?;
    let mut batch = batch_jobs::Entity::find_by_id(id);
    if let Some(tenant) = tenant {
        batch = batch.filter(batch_jobs::Column::TenantId.eq(tenant));
    }
    if batch.one(&txn).await?.is_none() {
        txn.rollback().await?;
        return Ok(None);
    }
    let now = Utc::now();
    let message = format!("batch {id} cancelled by {who} before this domain was fetched");
    let mut outcome = Cancelled::default();
    loop {
        let waiting = super::members::joined()
            .column((domains::Entity, Column::Id))
            .and_where(Expr::col((batch_members::Entity, batch_members::Column::BatchId)).eq(id))
            .cond_where(super::members::waiting())
            .and_where(Expr::col((domains::Entity, Column::Status)).eq(DomainStatus::Pending))
            .limit(CHUNK)
            .to_owned();
        // The status is checked again on the row itself: a claim that takes a domain between
        // the sub-select and the update keeps it.
        let rows = Entity::update_many()
            .set(ActiveModel {
                status: Set(DomainStatus::Error),
                next_attempt_at: Set(super::due::never()),
                last_error: Set(Some(format!(
                    "{}/{}: {message}",
                    Stage::Operator.as_str(),
                    Kind::Cancelled.as_str()
                ))),
                updated_at: Set(now),
                ..Default::default()
            })
            .filter(Column::Id.in_subquery(waiting))
            .filter(Column::Status.eq(DomainStatus::Pending))
            .exec_with_returning(&txn)
            .await?;
        if rows.is_empty() {
            break;
        }
        outcome.cancelled += rows.len() as u64;
        let errors = rows.iter().map(|row| domain_errors::ActiveModel {
            domain_id: Set(row.id),
            run_id: Set(None),
            attempt: Set(row.attempts),
            stage: Set(Stage::Operator.as_str().to_owned()),
            kind: Set(Kind::Cancelled.as_str().to_owned()),
            message: Set(message.clone()),
            occurred_at: Set(now),
            ..Default::default()
        });
        domain_errors::Entity::insert_many(errors).exec_without_returning(&txn).await?;
    }
    outcome.in_flight = count_processing(&txn, id).await?;
    txn.commit().await?;
    Ok(Some(outcome))
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
