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
//! this module. The counts read each member's own copy of its domain's status and of "scanned
//! since added" (`domain_status`, `scanned_since`, kept by the database's triggers), so they
//! cost one row per member, not a look-up in `domains`; the waits of the callback and of a
//! cancel, which pick out few rows, still join.

use chrono::{DateTime, Utc};
use entity::{DomainStatus, batch_members, domains};
use sea_orm::sea_query::{Expr, ExprTrait, IntoCondition, OnConflict, Order, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QuerySelect,
    QueryTrait,
};
use uuid::Uuid;

/// Rows per multi-row insert: 1,000 rows of 4 columns stay far under the bind-parameter limits.
const CHUNK: usize = 1000;

/// Writes `domain_ids` as members of `batch_id`, added at `added_at`; a domain already a member
/// stays as it was. Each new member copies its domain's status and whether the domain has
/// scanned since `added_at` (the triggers keep the copy true from then on). On PostgreSQL the
/// domains' rows are held first (`FOR SHARE`, in id order), so that no update of a domain can
/// commit between the copy and the insert's commit with its trigger blind to the new member.
pub async fn add<C: ConnectionTrait>(
    db: &C,
    batch_id: Uuid,
    tenant_id: Uuid,
    added_at: DateTime<Utc>,
    domain_ids: &[Uuid],
) -> Result<(), DbErr> {
    let postgres = db.get_database_backend() == DbBackend::Postgres;
    for chunk in domain_ids.chunks(CHUNK) {
        if postgres {
            let held = Query::select()
                .column(domains::Column::Id)
                .from(domains::Entity)
                .and_where(domains::Column::Id.is_in(chunk.iter().copied()))
                .order_by(domains::Column::Id, Order::Asc)
                .lock_shared()
                .to_owned();
            db.query_all(&held).await?;
        }
        let copied = Query::select()
            .expr(Expr::val(batch_id))
            .column(domains::Column::Id)
            .expr(Expr::val(tenant_id))
            .expr(Expr::val(added_at))
            .column(domains::Column::Status)
            .expr(Expr::col(domains::Column::FetchedAt).gte(added_at))
            .from(domains::Entity)
            .and_where(domains::Column::Id.is_in(chunk.iter().copied()))
            .to_owned();
        let insert = Query::insert()
            .into_table(batch_members::Entity)
            .columns([
                batch_members::Column::BatchId,
                batch_members::Column::DomainId,
                batch_members::Column::TenantId,
                batch_members::Column::AddedAt,
                batch_members::Column::DomainStatus,
                batch_members::Column::ScannedSince,
            ])
            .select_from(copied)
            .map_err(|e| DbErr::Custom(e.to_string()))?
            .on_conflict(
                OnConflict::columns([batch_members::Column::BatchId, batch_members::Column::DomainId])
                    .do_nothing()
                    .to_owned(),
            )
            .to_owned();
        db.execute(&insert).await?;
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

/// `batch_members` with the columns of a [`Group`] after `leading` ones, grouped by them all,
/// counted as `n`: the members' own copy of their domains' facts, so no join to `domains`.
pub fn grouped(leading: &[batch_members::Column]) -> SelectStatement {
    let mut query = Query::select().from(batch_members::Entity).to_owned();
    for column in leading {
        query.column(*column);
        query.add_group_by([Expr::col(*column)]);
    }
    let group = [
        batch_members::Column::DomainStatus,
        batch_members::Column::Outcome,
        batch_members::Column::ScannedSince,
    ];
    query.columns(group).expr_as(super::count_rows(), "n").add_group_by(group.map(Expr::col));
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
