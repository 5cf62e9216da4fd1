//! Writing successful results: many domains in one transaction, in as few statements as
//! `Domain::update_many_from_metadata_if_leased_at` needs (one per power of two), with the
//! change history of each re-scan and when each falls due for its re-scan.

use std::collections::HashMap;
use std::time::Duration;

use chrono::Utc;
use entity::domain_changes::changes_between;
use entity::domains::{self, Column, Entity, Scanned};
use entity::{Domain, Metadata};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, TransactionSession, TransactionTrait,
};
use uuid::Uuid;

use super::Outcome;
use super::changes::{self, ScanChanges};
use super::completions;
use super::due::Next;

/// One successful result.
pub struct Completed<'a> {
    pub domain_id: Uuid,
    pub metadata: &'a Metadata,
    /// The domain's re-scan interval (`None`: never).
    pub rescan_after: Option<Duration>,
}

/// Writes every result in one transaction: [`Outcome::Completed`] for each row written,
/// [`Outcome::Skipped`] for a row whose lease had moved on. A database error fails the whole
/// group, which the caller keeps and writes again later; a lost lease only skips its own row.
/// A re-scan writes one `domain_changes` row per field it changed, in the same transaction; a
/// first scan has nothing to compare with. Every scan moves the `last_seen` of the technologies
/// it found ([`super::technologies::record`]). Each written row falls due for its re-scan an
/// interval after now, or never ([`super::due`]), in the statement that writes its metadata.
pub async fn write_completed<C: TransactionTrait>(
    db: &C,
    instance_id: &str,
    results: &[Completed<'_>],
) -> Result<Vec<Outcome>, DbErr> {
    let txn = db.begin().await?;
    let now = Utc::now();
    let mut previous = previous_scans(&txn, instance_id, results).await?;
    let mut outcomes = Vec::with_capacity(results.len());
    let mut history = Vec::new();
    let mut scanned = Vec::new();
    let rows: Vec<Scanned<'_>> = results
        .iter()
        .map(|result| {
            let due = Next::Rescan(result.rescan_after).at(now);
            Scanned {
                id: result.domain_id,
                metadata: result.metadata,
                next_attempt_at: due.next_attempt_at,
                rescan_at: due.rescan_at,
            }
        })
        .collect();
    let written = Domain::update_many_from_metadata_if_leased_at(&txn, instance_id, &rows, now).await?;
    for result in results {
        if !written.contains(&result.domain_id) {
            // Its lease moved on, or the row was deleted, while it was fetched.
            outcomes.push(Outcome::Skipped);
            continue;
        }
        outcomes.push(Outcome::Completed);
        scanned.push((result.domain_id, result.metadata));
        if let Some(before) = previous.remove(&result.domain_id) {
            history.push(ScanChanges {
                domain_id: result.domain_id,
                tenant_id: before.tenant_id,
                scanned_at: now,
                changes: changes_between(&before.metadata(), result.metadata),
            });
        }
    }
    changes::record(&txn, &history).await?;
    super::technologies::record(&txn, &scanned, now).await?;
    let completed: Vec<Uuid> = scanned.iter().map(|(id, _)| *id).collect();
    completions::record(&txn, &completed, now).await?;
    txn.commit().await?;
    Ok(outcomes)
}

/// The rows of `results` that a scan succeeded on before, as they are now, in one read. Only
/// rows this instance still leases: no other writer changes their metadata until the update
/// below, so what is read here is what the update replaces.
async fn previous_scans<C: ConnectionTrait>(
    db: &C,
    instance_id: &str,
    results: &[Completed<'_>],
) -> Result<HashMap<Uuid, domains::Model>, DbErr> {
    let ids: Vec<Uuid> = results.iter().map(|result| result.domain_id).collect();
    let rows = Entity::find()
        .filter(Column::Id.is_in(ids))
        .filter(Column::LockedBy.eq(instance_id))
        .filter(Column::FetchedAt.is_not_null())
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|row| (row.id, row)).collect())
}
