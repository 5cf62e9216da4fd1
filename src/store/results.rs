//! Writing successful results: many domains in one transaction, each through
//! `Domain::update_from_metadata_if_leased`.

use entity::{Domain, Metadata, UpdateError};
use sea_orm::{DbErr, TransactionSession, TransactionTrait};
use uuid::Uuid;

/// What became of one result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteOutcome {
    Written,
    /// The lease had moved on (expired and taken by another instance, or released at shutdown).
    LeaseLost,
}

/// Writes every `(id, metadata)` in one transaction. A database error fails the whole group,
/// which the caller keeps and writes again later; a lost lease only skips its own row.
pub async fn write_completed<C: TransactionTrait>(
    db: &C,
    instance_id: &str,
    results: &[(Uuid, &Metadata)],
) -> Result<Vec<WriteOutcome>, DbErr> {
    let txn = db.begin().await?;
    let mut outcomes = Vec::with_capacity(results.len());
    for (id, metadata) in results {
        match Domain::update_from_metadata_if_leased(&txn, *id, instance_id, metadata).await {
            Ok(()) => outcomes.push(WriteOutcome::Written),
            Err(UpdateError::LeaseLost(_) | UpdateError::NotFound(_)) => {
                outcomes.push(WriteOutcome::LeaseLost)
            }
            Err(UpdateError::Database(error)) => return Err(error),
        }
    }
    txn.commit().await?;
    Ok(outcomes)
}
