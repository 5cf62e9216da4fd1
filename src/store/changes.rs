//! Change history: writing the rows a scan's changes make, reading one domain's history a page
//! at a time (newest first, keyset-paged by (`scanned_at`, `id`)), and the `changed_since`
//! condition that filters domains by it.
//!
//! The rows are written by [`super::results::write_completed`] in the transaction of the update
//! itself, so a domain's metadata and its history never disagree.

use chrono::{DateTime, Utc};
use entity::domain_changes::{self, Column, Entity, FieldChange};
use entity::domains;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect,
};
use uuid::Uuid;

use super::keyset::{Keyset, Position, in_list_order, newest_first};

/// Rows per insert: 500 rows of 7 columns stay far under either backend's parameter limit.
const CHUNK: usize = 500;

/// The changes one scan of one domain found.
pub struct ScanChanges {
    pub domain_id: Uuid,
    pub tenant_id: Uuid,
    pub scanned_at: DateTime<Utc>,
    pub changes: Vec<FieldChange>,
}

/// Writes one row per changed field of every scan in `scans`.
pub async fn record<C: ConnectionTrait>(db: &C, scans: &[ScanChanges]) -> Result<(), DbErr> {
    let rows: Vec<domain_changes::ActiveModel> = scans
        .iter()
        .flat_map(|scan| {
            scan.changes.iter().map(|change| domain_changes::ActiveModel {
                domain_id: Set(scan.domain_id),
                tenant_id: Set(scan.tenant_id),
                scanned_at: Set(scan.scanned_at),
                field: Set(change.field.to_owned()),
                old_value: Set(change.old_value.clone()),
                new_value: Set(change.new_value.clone()),
                ..Default::default()
            })
        })
        .collect();
    for chunk in rows.chunks(CHUNK) {
        Entity::insert_many(chunk.to_vec()).exec_without_returning(db).await?;
    }
    Ok(())
}

/// Where a newest-first page of changes resumes: strictly older than this row (its
/// `scanned_at` and id). Clients see it as an opaque cursor, `NANOS_ID` ([`super::keyset`]).
pub type ChangeCursor = Position<i64>;

impl Position<i64> {
    /// The cursor that resumes after `row`.
    pub fn after(row: &domain_changes::Model) -> ChangeCursor {
        Position { at: row.scanned_at, id: row.id }
    }
}

/// Up to `limit` changes of domain `domain_id`, newest first, after `after`.
pub async fn page<C: ConnectionTrait>(
    db: &C,
    domain_id: Uuid,
    after: Option<ChangeCursor>,
    limit: u64,
) -> Result<Vec<domain_changes::Model>, DbErr> {
    page_either_way(db, domain_id, after.map(Keyset::Next), limit).await
}

/// Up to `limit` changes of domain `domain_id` on the page `page` of its newest-first history
/// (the newest without one), in that order: the console pages back as well as on.
pub async fn page_either_way<C: ConnectionTrait>(
    db: &C,
    domain_id: Uuid,
    page: Option<Keyset<ChangeCursor>>,
    limit: u64,
) -> Result<Vec<domain_changes::Model>, DbErr> {
    let query = Entity::find().filter(Column::DomainId.eq(domain_id));
    let query = newest_first(query, Column::ScannedAt, Column::Id, page.clone());
    Ok(in_list_order(query.limit(limit).all(db).await?, page.as_ref()))
}

/// A condition on `domains`: the domain has at least one change scanned at or after `since`.
/// Any query of domains can add it (the listing, the export).
pub fn changed_since_condition(since: DateTime<Utc>) -> Condition {
    let changes = Query::select()
        .expr(Expr::val(1))
        .from(Entity)
        .and_where(Expr::col((Entity, Column::DomainId)).equals((domains::Entity, domains::Column::Id)))
        .and_where(Expr::col((Entity, Column::TenantId)).equals((domains::Entity, domains::Column::TenantId)))
        .and_where(Expr::col((Entity, Column::ScannedAt)).gte(since))
        .to_owned();
    Condition::all().add(Expr::exists(changes))
}
