//! The rows of an export, read one page at a time by keyset on `id` (the primary key): each
//! page starts strictly after the last id of the previous one, so a page costs the same at the
//! millionth row as at the first, memory holds one page whatever the table's size, and a row
//! is never written twice even while the scheduler updates rows under the export.

use chrono::{DateTime, Utc};
use entity::{DomainStatus, domains};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};
use uuid::Uuid;

/// Rows per query: large enough that the round trips cost little, small enough that a page of
/// full rows (metadata included) stays a few megabytes.
pub const PAGE_ROWS: u64 = 1000;

/// Which domains an export holds. Every field narrows it; the default is every domain.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExportFilter {
    /// One tenant's domains; `None` is every tenant (the command line, an admin's token).
    pub tenant: Option<Uuid>,
    pub status: Option<DomainStatus>,
    pub batch: Option<Uuid>,
    /// Domains changed at or after this time (see [`changed_since`]).
    pub changed_since: Option<DateTime<Utc>>,
    /// Domains whose latest scan found this technology.
    pub technology: Option<String>,
}

/// Narrows `query` to the domains changed at or after `since`: those with a `domain_changes`
/// row scanned then or later, as the listing's `changed_since` counts them. A re-scan that
/// found nothing new is not a change, nor is a first scan (it has nothing to differ from).
pub fn changed_since(query: Select<domains::Entity>, since: DateTime<Utc>) -> Select<domains::Entity> {
    query.filter(super::changes::changed_since_condition(since))
}

/// Reads an export page by page, in id order.
pub struct Pages<C> {
    db: C,
    filter: ExportFilter,
    rows: u64,
    after: Option<Uuid>,
    done: bool,
}

impl<C: ConnectionTrait> Pages<C> {
    pub fn new(db: C, filter: ExportFilter, rows: u64) -> Pages<C> {
        Pages { db, filter, rows: rows.max(1), after: None, done: false }
    }

    /// The next page; empty once every row has been read.
    pub async fn next(&mut self) -> Result<Vec<domains::Model>, DbErr> {
        if self.done {
            return Ok(Vec::new());
        }
        let page = page(&self.db, &self.filter, self.after, self.rows).await?;
        self.done = (page.len() as u64) < self.rows;
        self.after = page.last().map(|row| row.id).or(self.after);
        Ok(page)
    }
}

/// Up to `limit` domains matching `filter`, in id order, after the id `after`.
pub async fn page<C: ConnectionTrait>(
    db: &C,
    filter: &ExportFilter,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<domains::Model>, DbErr> {
    use domains::Column;
    let mut query = domains::Entity::find();
    if let Some(tenant) = filter.tenant {
        query = query.filter(Column::TenantId.eq(tenant));
    }
    if let Some(status) = filter.status {
        query = query.filter(Column::Status.eq(status));
    }
    if let Some(batch) = filter.batch {
        // The batch's members, whichever batch each was submitted with last.
        query = query.filter(Column::Id.in_subquery(super::members::domains_of(batch)));
    }
    if let Some(since) = filter.changed_since {
        query = changed_since(query, since);
    }
    if let Some(name) = &filter.technology {
        query = query.filter(super::technologies::has_technology(name));
    }
    if let Some(after) = after {
        query = query.filter(Column::Id.gt(after));
    }
    query.order_by_asc(Column::Id).limit(limit).all(db).await
}
