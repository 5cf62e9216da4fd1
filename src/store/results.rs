//! Writing successful results: many domains in one transaction, each through
//! `Domain::update_from_metadata_if_leased`.

use entity::{Domain, Metadata, UpdateError};
use sea_orm::{DbErr, TransactionSession, TransactionTrait};
use uuid::Uuid;

use super::Outcome;

/// Writes every `(id, metadata)` in one transaction: [`Outcome::Completed`] for each row
/// written, [`Outcome::Skipped`] for a row whose lease had moved on. A database error fails the whole group,
/// which the caller keeps and writes again later; a lost lease only skips its own row.
pub async fn write_completed<C: TransactionTrait>(
    db: &C,
    instance_id: &str,
    results: &[(Uuid, &Metadata)],
) -> Result<Vec<Outcome>, DbErr> {
    let txn = db.begin().await?;
    let mut outcomes = Vec::with_capacity(results.len());
    for (id, metadata) in results {
        match Domain::update_from_metadata_if_leased(&txn, *id, instance_id, metadata).await {
            Ok(()) => outcomes.push(Outcome::Completed),
            Err(UpdateError::LeaseLost(_) | UpdateError::NotFound(_)) => outcomes.push(Outcome::Skipped),
            Err(UpdateError::Database(error)) => return Err(error),
        }
    }
    txn.commit().await?;
    Ok(outcomes)
}
