//! Writing successful results: many domains in one transaction, each through
//! `Domain::update_from_metadata_if_leased`, and when each falls due for its re-scan.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::Utc;
use entity::domains::{Column, Entity};
use entity::{Domain, Metadata, UpdateError};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, TransactionSession, TransactionTrait};
use uuid::Uuid;

use super::{Outcome, rescans};

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
/// Each written row falls due for its re-scan an interval after now: one statement per
/// distinct interval, usually one for the whole group.
pub async fn write_completed<C: TransactionTrait>(
    db: &C,
    instance_id: &str,
    results: &[Completed<'_>],
) -> Result<Vec<Outcome>, DbErr> {
    let txn = db.begin().await?;
    let mut outcomes = Vec::with_capacity(results.len());
    let mut by_interval: BTreeMap<Option<Duration>, Vec<Uuid>> = BTreeMap::new();
    for result in results {
        match Domain::update_from_metadata_if_leased(&txn, result.domain_id, instance_id, result.metadata)
            .await
        {
            Ok(()) => {
                outcomes.push(Outcome::Completed);
                by_interval.entry(result.rescan_after).or_default().push(result.domain_id);
            }
            Err(UpdateError::LeaseLost(_) | UpdateError::NotFound(_)) => outcomes.push(Outcome::Skipped),
            Err(UpdateError::Database(error)) => return Err(error),
        }
    }
    let now = Utc::now();
    for (interval, ids) in by_interval {
        Entity::update_many()
            .col_expr(Column::RescanAt, Expr::value(rescans::next_due(now, interval)))
            .filter(Column::Id.is_in(ids))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(outcomes)
}
