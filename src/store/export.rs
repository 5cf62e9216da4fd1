//! The rows of an export, read one page at a time by keyset on `id` (the primary key): each
//! page starts strictly after the last id of the previous one, so a page costs the same at the
//! millionth row as at the first, memory holds one page whatever the table's size, and a row
//! is never written twice even while the scheduler updates rows under the export.

use entity::domains;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::selection::Selection;

/// Rows per query: large enough that the round trips cost little, small enough that a page of
/// full rows (metadata included) stays a few megabytes.
pub const PAGE_ROWS: u64 = 1000;

/// Reads an export page by page, in id order.
pub struct Pages<C> {
    db: C,
    selection: Selection,
    rows: u64,
    after: Option<Uuid>,
    done: bool,
}

impl<C: ConnectionTrait> Pages<C> {
    pub fn new(db: C, selection: Selection, rows: u64) -> Pages<C> {
        Pages { db, selection, rows: rows.max(1), after: None, done: false }
    }

    /// The next page; empty once every row has been read.
    pub async fn next(&mut self) -> Result<Vec<domains::Model>, DbErr> {
        if self.done {
            return Ok(Vec::new());
        }
        let page = page(&self.db, &self.selection, self.after, self.rows).await?;
        self.done = (page.len() as u64) < self.rows;
        self.after = page.last().map(|row| row.id).or(self.after);
        Ok(page)
    }
}

/// Up to `limit` domains of `selection`, in id order, after the id `after`.
pub async fn page<C: ConnectionTrait>(
    db: &C,
    selection: &Selection,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<domains::Model>, DbErr> {
    use domains::Column;
    let mut query = domains::Entity::find().filter(selection.condition());
    if let Some(after) = after {
        query = query.filter(Column::Id.gt(after));
    }
    query.order_by_asc(Column::Id).limit(limit).all(db).await
}
