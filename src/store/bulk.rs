//! The operators' bulk actions on a [`Selection`]: put its domains back to `pending` (reset) or
//! delete them, each with a dry run that counts what the real run would do.
//!
//! Both work in chunks of [`CHUNK`] rows, each chunk its own short transaction, so that a reset
//! of a million domains never holds the locks the pipeline's claims wait for: claims go on
//! between chunks. Each statement checks the selection again on the row itself, so a row that
//! changed between the read of its chunk and the write (claimed, finished) is acted on only if
//! it still matches. Domains being processed are never touched (their lease decides what
//! becomes of them) and are counted apart as `in_progress`.
//!
//! A deleted domain takes its failures (`domain_errors`), its change history
//! (`domain_changes`) and its batch memberships (`batch_members`) with it: the foreign keys
//! cascade on both backends (SQLite's are switched on for every connection, `crate::db`).

use entity::DomainStatus;
use entity::domains::{Column, Entity};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, TransactionSession, TransactionTrait,
};
use serde::Serialize;
use uuid::Uuid;

use super::members;
use super::selection::{self, Selection};

/// Rows per chunk: one chunk is one short transaction.
pub const CHUNK: u64 = 1000;

/// What a bulk action did, or would do in a dry run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct BulkOutcome {
    /// Domains reset or deleted (in a dry run: that would be).
    pub affected: u64,
    /// Domains of the selection being processed now, left alone.
    pub in_progress: u64,
    /// Names of the selection's list that no domain in its scope has.
    pub not_found: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Action {
    Reset,
    Delete,
}

/// Puts the domains of `selection` back to `pending`, attempts cleared and due now; with
/// `dry_run`, only counts them.
pub async fn reset<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    selection: &Selection,
    dry_run: bool,
) -> Result<BulkOutcome, DbErr> {
    run(db, selection, dry_run, Action::Reset).await
}

/// Deletes the domains of `selection` with their failures, history and memberships; with
/// `dry_run`, only counts them.
pub async fn delete<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    selection: &Selection,
    dry_run: bool,
) -> Result<BulkOutcome, DbErr> {
    run(db, selection, dry_run, Action::Delete).await
}

async fn run<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    selection: &Selection,
    dry_run: bool,
    action: Action,
) -> Result<BulkOutcome, DbErr> {
    let mut outcome = BulkOutcome {
        affected: 0,
        in_progress: selection::count(db, selection, true).await?,
        not_found: selection::names_not_found(db, selection).await?,
    };
    if dry_run {
        outcome.affected = selection::count(db, selection, false).await?;
        return Ok(outcome);
    }
    let mut after: Option<Uuid> = None;
    loop {
        let idle = selection.condition().add(Column::Status.ne(DomainStatus::Processing));
        let ids = selection::ids_after(db, idle, after, CHUNK).await?;
        let Some(last) = ids.last().copied() else { break };
        after = Some(last);
        let full = ids.len() as u64 == CHUNK;
        outcome.affected += match action {
            Action::Reset => reset_chunk(db, selection, ids).await?,
            Action::Delete => delete_chunk(db, selection, ids).await?,
        };
        if !full {
            break;
        }
    }
    Ok(outcome)
}

async fn reset_chunk<C: TransactionTrait>(
    db: &C,
    selection: &Selection,
    ids: Vec<Uuid>,
) -> Result<u64, DbErr> {
    let txn = db.begin().await?;
    // The batches that asked for the scan that ended keep its outcome.
    members::close_finished(&txn, members::ids(ids.iter().copied())).await?;
    let result = Entity::update_many()
        .set(super::domains::back_to_pending(None, None))
        .filter(Column::Id.is_in(ids))
        .filter(selection.condition())
        .filter(Column::Status.ne(DomainStatus::Processing))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(result.rows_affected)
}

async fn delete_chunk<C: ConnectionTrait>(
    db: &C,
    selection: &Selection,
    ids: Vec<Uuid>,
) -> Result<u64, DbErr> {
    // One statement: the cascades run inside it.
    let result = Entity::delete_many()
        .filter(Column::Id.is_in(ids))
        .filter(selection.condition())
        .filter(Column::Status.ne(DomainStatus::Processing))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// Deletes domain `id` with its failures, history and memberships unless it is being processed;
/// whether it was deleted.
pub async fn delete_one<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<bool, DbErr> {
    let result = Entity::delete_many()
        .filter(Column::Id.eq(id))
        .filter(Column::Status.ne(DomainStatus::Processing))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}
