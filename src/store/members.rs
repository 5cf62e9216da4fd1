//! Batch membership (`batch_members`): the domains each batch was submitted with, and the one
//! rule for whether the scan a batch asked for has ended.
//!
//! A domain belongs to every batch that named it; a later submission never takes it out of an
//! earlier one, since the batch id is what the client holds. A member is done for its batch
//! when:
//! - its `outcome` is set: a refresh or a reset took the finished domain back for a new scan
//!   and wrote down first how this batch's scan had ended ([`close_finished`]); or
//! - its domain is `completed`, `error` or `gone`; or
//! - its domain finished a successful scan at or after the member's `added_at` (a re-scan or
//!   its retry under way does not re-open a batch that already had its answer).
//!
//! Otherwise it counts as `pending` or `processing`, as its domain is. Counts, progress, the
//! callback's readiness, cancelling, the export and the listings all read membership through
//! this module.

use chrono::{DateTime, Utc};
use entity::{DomainStatus, batch_members, domains};
use sea_orm::sea_query::{Expr, ExprTrait, IntoCondition, Query, SelectStatement};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect,
    QueryTrait,
};
use uuid::Uuid;

/// Rows per multi-row insert: 1,000 rows of 4 columns stay far under the bind-parameter limits.
const CHUNK: usize = 1000;

/// Writes `domain_ids` as members of `batch_id`, added at `added_at`; a domain already a member
/// stays as it was.
pub async fn add<C: ConnectionTrait>(
    db: &C,
    batch_id: Uuid,
    tenant_id: Uuid,
    added_at: DateTime<Utc>,
    domain_ids: &[Uuid],
) -> Result<(), DbErr> {
    for chunk in domain_ids.chunks(CHUNK) {
        let rows = chunk.iter().map(|domain_id| batch_members::ActiveModel {
            batch_id: Set(batch_id),
            domain_id: Set(*domain_id),
            tenant_id: Set(tenant_id),
            added_at: Set(added_at),
            outcome: Set(None),
        });
        batch_members::Entity::insert_many(rows)
            .on_conflict_do_nothing_on([batch_members::Column::BatchId, batch_members::Column::DomainId])
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// Before the domains selected by `domains` (a query of `domains.id`) are taken back for a new
/// scan: the members of those of them in a final status (`completed`, `error`, `gone`) keep
/// that status as their outcome, so the batches that asked for the scan that just ended stay
/// finished. Members of a domain still waiting keep waiting, now for the new scan.
pub async fn close_finished<C: ConnectionTrait>(db: &C, domains: SelectStatement) -> Result<(), DbErr> {
    for status in [DomainStatus::Completed, DomainStatus::Error, DomainStatus::Gone] {
        let finished = Query::select()
            .column(domains::Column::Id)
            .from(domains::Entity)
            .and_where(domains::Column::Id.in_subquery(domains.clone()))
            .and_where(domains::Column::Status.eq(status))
            .to_owned();
        batch_members::Entity::update_many()
            .col_expr(batch_members::Column::Outcome, Expr::value(status))
            .filter(batch_members::Column::Outcome.is_null())
            .filter(batch_members::Column::DomainId.in_subquery(finished))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// `domains.id IN (...)` for a list of ids, as a query [`close_finished`] takes.
pub fn ids(ids: impl IntoIterator<Item = Uuid>) -> SelectStatement {
    domains::Entity::find()
        .select_only()
        .column(domains::Column::Id)
        .filter(domains::Column::Id.is_in(ids))
        .into_query()
}

/// The ids of the domains of batch `id`, for `domains.id IN (...)`.
pub fn domains_of(id: Uuid) -> SelectStatement {
    Query::select()
        .column(batch_members::Column::DomainId)
        .from(batch_members::Entity)
        .and_where(batch_members::Column::BatchId.eq(id))
        .to_owned()
}

/// For a query joining `batch_members` to `domains`: the member's batch still waits for its
/// scan (the negation of "done" in the module's rule).
pub fn waiting() -> Condition {
    let member = |column: batch_members::Column| Expr::col((batch_members::Entity, column));
    let domain = |column: domains::Column| Expr::col((domains::Entity, column));
    Condition::all()
        .add(member(batch_members::Column::Outcome).is_null())
        .add(domain(domains::Column::Status).is_in([DomainStatus::Pending, DomainStatus::Processing]))
        .add(
            Condition::any()
                .add(domain(domains::Column::FetchedAt).is_null())
                .add(domain(domains::Column::FetchedAt).lt(member(batch_members::Column::AddedAt))),
        )
}

/// `batch_members JOIN domains`, selecting nothing yet.
pub fn joined() -> SelectStatement {
    Query::select()
        .from(batch_members::Entity)
        .inner_join(
            domains::Entity,
            Expr::col((domains::Entity, domains::Column::Id))
                .equals((batch_members::Entity, batch_members::Column::DomainId))
                .into_condition(),
        )
        .to_owned()
}

/// One group of members as counted: the status of their domain, their recorded outcome, and
/// whether their domain finished a successful scan since they were added.
pub type Group = (DomainStatus, Option<DomainStatus>, Option<bool>);

/// A row of [`grouped`] with the batch id as its one leading column: the batch, its [`Group`]
/// and how many members are in it.
pub type Counted = (Uuid, DomainStatus, Option<DomainStatus>, Option<bool>, i64);

/// The status a member of a group counts as for its batch (see the module's rule).
pub fn counted_status((status, outcome, scanned_since): Group) -> DomainStatus {
    match outcome {
        Some(outcome) => outcome,
        None if !status.is_final() && scanned_since == Some(true) => DomainStatus::Completed,
        None => status,
    }
}

/// `batch_members JOIN domains` with the columns of a [`Group`] after `leading` ones, grouped
/// by them all, counted as `n`. The comparison is written without a bound value, so that
/// PostgreSQL sees the selected and the grouped expression as the same.
pub fn grouped(leading: &[batch_members::Column]) -> SelectStatement {
    let scanned_since = Expr::col((domains::Entity, domains::Column::FetchedAt))
        .gte(Expr::col((batch_members::Entity, batch_members::Column::AddedAt)));
    let mut query = joined();
    for column in leading {
        query.column((batch_members::Entity, *column));
        query.add_group_by([Expr::col((batch_members::Entity, *column))]);
    }
    query
        .column((domains::Entity, domains::Column::Status))
        .column((batch_members::Entity, batch_members::Column::Outcome))
        .expr(scanned_since.clone())
        .expr_as(super::count_rows(), "n")
        .add_group_by([
            Expr::col((domains::Entity, domains::Column::Status)),
            Expr::col((batch_members::Entity, batch_members::Column::Outcome)),
            scanned_since,
        ]);
    query
}

/// Of `domain_ids`, those another batch than `batch` still waits for.
pub async fn waited_for_elsewhere<C: ConnectionTrait>(
    db: &C,
    batch: Uuid,
    domain_ids: &[Uuid],
) -> Result<Vec<Uuid>, DbErr> {
    if domain_ids.is_empty() {
        return Ok(Vec::new());
    }
    let query = joined()
        .distinct()
        .column((batch_members::Entity, batch_members::Column::DomainId))
        .and_where(Expr::col((batch_members::Entity, batch_members::Column::BatchId)).ne(batch))
        .and_where(
            Expr::col((batch_members::Entity, batch_members::Column::DomainId))
                .is_in(domain_ids.iter().copied()),
        )
        .cond_where(waiting())
        .to_owned();
    let mut ids = Vec::new();
    for row in db.query_all(&query).await? {
        ids.push(row.try_get_by_index::<Uuid>(0)?);
    }
    Ok(ids)
}

/// Before the domains `domain_ids`, waiting for a new scan, are put in a final status by an
/// operator: the members whose batch already had its answer from an earlier successful scan
/// (done by the module's third rule) keep `completed` as their outcome, so that those batches
/// do not turn to `error` after the fact.
pub async fn keep_answers<C: ConnectionTrait>(db: &C, domain_ids: &[Uuid]) -> Result<(), DbErr> {
    if domain_ids.is_empty() {
        return Ok(());
    }
    let answered = Query::select()
        .expr(Expr::val(1))
        .from(domains::Entity)
        .and_where(
            Expr::col((domains::Entity, domains::Column::Id))
                .equals((batch_members::Entity, batch_members::Column::DomainId)),
        )
        .and_where(
            Expr::col((domains::Entity, domains::Column::FetchedAt))
                .gte(Expr::col((batch_members::Entity, batch_members::Column::AddedAt))),
        )
        .to_owned();
    batch_members::Entity::update_many()
        .col_expr(batch_members::Column::Outcome, Expr::value(DomainStatus::Completed))
        .filter(batch_members::Column::Outcome.is_null())
        .filter(batch_members::Column::DomainId.is_in(domain_ids.iter().copied()))
        .filter(Expr::exists(answered))
        .exec(db)
        .await?;
    Ok(())
}

/// Ends `batch`'s wait for `domain_ids` with `outcome`, leaving the domains themselves as they
/// are (other batches still wait for them).
pub async fn close<C: ConnectionTrait>(
    db: &C,
    batch: Uuid,
    domain_ids: &[Uuid],
    outcome: DomainStatus,
) -> Result<u64, DbErr> {
    if domain_ids.is_empty() {
        return Ok(0);
    }
    let result = batch_members::Entity::update_many()
        .col_expr(batch_members::Column::Outcome, Expr::value(outcome))
        .filter(batch_members::Column::BatchId.eq(batch))
        .filter(batch_members::Column::DomainId.is_in(domain_ids.iter().copied()))
        .filter(batch_members::Column::Outcome.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}
