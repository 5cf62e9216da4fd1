//! Pages of runs, batches, domains and errors for the console, each one keyset-paged: a page
//! starts after the last row of the previous one (never `OFFSET`), so a page costs the same at
//! the millionth row as at the first, and rows changing meanwhile are neither repeated nor
//! skipped. `tenant` limits a query to one tenant; `None` is an admin's view of all of them.

use chrono::{DateTime, Utc};
use entity::{DomainStatus, batch_jobs, domain_errors, domains, scheduler_runs};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use super::StatusCounts;

/// Where a newest-first page of rows ordered by (time, id) resumes: strictly older than this.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Before {
    pub at: DateTime<Utc>,
    pub id: Uuid,
}

/// `column < at OR (column = at AND id < id)`: the rows after `before` in newest-first order.
fn older_than(time: impl ColumnTrait, id: impl ColumnTrait, before: Before) -> Condition {
    Condition::any()
        .add(time.lt(before.at))
        .add(Condition::all().add(time.eq(before.at)).add(id.lt(before.id)))
}

/// Up to `limit` runs, newest first, after `before`.
pub async fn runs<C: ConnectionTrait>(
    db: &C,
    before: Option<Before>,
    limit: u64,
) -> Result<Vec<scheduler_runs::Model>, DbErr> {
    let mut query = scheduler_runs::Entity::find();
    if let Some(before) = before {
        query =
            query.filter(older_than(scheduler_runs::Column::StartedAt, scheduler_runs::Column::Id, before));
    }
    query
        .order_by_desc(scheduler_runs::Column::StartedAt)
        .order_by_desc(scheduler_runs::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// A batch with its members counted by the status each counts as for it.
#[derive(Clone, Debug)]
pub struct BatchRow {
    pub batch: batch_jobs::Model,
    pub counts: StatusCounts,
}

/// Up to `limit` batches, newest first, after `before`, each with its counts.
pub async fn batches<C: ConnectionTrait>(
    db: &C,
    tenant: Option<Uuid>,
    before: Option<Before>,
    limit: u64,
) -> Result<Vec<BatchRow>, DbErr> {
    let mut query = batch_jobs::Entity::find();
    if let Some(tenant) = tenant {
        query = query.filter(batch_jobs::Column::TenantId.eq(tenant));
    }
    if let Some(before) = before {
        query = query.filter(older_than(batch_jobs::Column::CreatedAt, batch_jobs::Column::Id, before));
    }
    let batches = query
        .order_by_desc(batch_jobs::Column::CreatedAt)
        .order_by_desc(batch_jobs::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    let mut counts = super::batches::counts_of_batches(db, batches.iter().map(|b| b.id).collect()).await?;
    Ok(batches
        .into_iter()
        .map(|batch| BatchRow { counts: counts.remove(&batch.id).unwrap_or_default(), batch })
        .collect())
}

/// The batch `id`, if it is in the scope, with its counts.
pub async fn batch<C: ConnectionTrait>(
    db: &C,
    tenant: Option<Uuid>,
    id: Uuid,
) -> Result<Option<BatchRow>, DbErr> {
    let mut query = batch_jobs::Entity::find_by_id(id);
    if let Some(tenant) = tenant {
        query = query.filter(batch_jobs::Column::TenantId.eq(tenant));
    }
    let Some(batch) = query.one(db).await? else { return Ok(None) };
    let counts = super::batches::counts_of_batches(db, vec![id]).await?.remove(&id).unwrap_or_default();
    Ok(Some(BatchRow { batch, counts }))
}

/// What a domain list shows of each row: never the large metadata columns.
#[derive(Clone, Debug, FromQueryResult)]
pub struct DomainRow {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub domain: String,
    pub status: DomainStatus,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub title: Option<String>,
    pub last_error: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// Which domains a list shows.
#[derive(Clone, Debug, Default)]
pub struct DomainFilter {
    /// Names starting with this (already lower case).
    pub prefix: Option<String>,
    pub status: Option<DomainStatus>,
    pub batch: Option<Uuid>,
}

/// Where a page of domains in name order resumes: strictly after this name (and id, since an
/// admin's list may hold the same name for several tenants).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct After {
    pub domain: String,
    pub id: Uuid,
}

/// Up to `limit` domains matching `filter`, in name order, after `after`.
pub async fn domains<C: ConnectionTrait>(
    db: &C,
    tenant: Option<Uuid>,
    filter: &DomainFilter,
    after: Option<&After>,
    limit: u64,
) -> Result<Vec<DomainRow>, DbErr> {
    use domains::Column;
    let mut query = domains::Entity::find().select_only().columns([
        Column::Id,
        Column::TenantId,
        Column::Domain,
        Column::Status,
        Column::Attempts,
        Column::NextAttemptAt,
        Column::Title,
        Column::LastError,
        Column::UpdatedAt,
    ]);
    if let Some(tenant) = tenant {
        query = query.filter(Column::TenantId.eq(tenant));
    }
    if let Some(prefix) = &filter.prefix {
        // LIKE decides; the range lets an index find the rows, since a pattern bound as a
        // parameter cannot be turned into an index range by PostgreSQL.
        query = query
            .filter(Column::Domain.starts_with(prefix.as_str()))
            .filter(Column::Domain.gte(prefix.as_str()));
        if let Some(above) = above_prefix(prefix) {
            query = query.filter(Column::Domain.lt(above));
        }
    }
    if let Some(status) = filter.status {
        query = query.filter(Column::Status.eq(status));
    }
    if let Some(batch) = filter.batch {
        query = query.filter(Column::Id.in_subquery(super::members::domains_of(batch)));
    }
    if let Some(after) = after {
        query = query.filter(Condition::any().add(Column::Domain.gt(after.domain.as_str())).add(
            Condition::all().add(Column::Domain.eq(after.domain.as_str())).add(Column::Id.gt(after.id)),
        ));
    }
    query
        .order_by_asc(Column::Domain)
        .order_by_asc(Column::Id)
        .limit(limit)
        .into_model::<DomainRow>()
        .all(db)
        .await
}

/// A name above every name starting with `prefix` (a domain name's characters: `a-z`, `0-9`,
/// `-`, `.`), in byte order and in linguistic collations alike, which ignore `-` and `.` at
/// first: trailing `z`, `-` and `.` are dropped and the last character left is raised within
/// digits and letters (`9` to `a`). `None` when nothing is left to raise.
pub fn above_prefix(prefix: &str) -> Option<String> {
    let kept = prefix.trim_end_matches(['z', '-', '.']);
    let last = kept.chars().last()?;
    let raised = match last {
        '0'..='8' | 'a'..='y' => char::from(last as u8 + 1),
        '9' => 'a',
        _ => return None,
    };
    Some(format!("{}{raised}", &kept[..kept.len() - last.len_utf8()]))
}

/// The domain `id`, if it is in the scope.
pub async fn domain<C: ConnectionTrait>(
    db: &C,
    tenant: Option<Uuid>,
    id: Uuid,
) -> Result<Option<domains::Model>, DbErr> {
    let mut query = domains::Entity::find_by_id(id);
    if let Some(tenant) = tenant {
        query = query.filter(domains::Column::TenantId.eq(tenant));
    }
    query.one(db).await
}

/// Up to `limit` failures of domain `id`, newest first, older than the failure `before`.
pub async fn errors<C: ConnectionTrait>(
    db: &C,
    domain_id: Uuid,
    before: Option<i64>,
    limit: u64,
) -> Result<Vec<domain_errors::Model>, DbErr> {
    let mut query = domain_errors::Entity::find().filter(domain_errors::Column::DomainId.eq(domain_id));
    if let Some(before) = before {
        query = query.filter(domain_errors::Column::Id.lt(before));
    }
    query.order_by_desc(domain_errors::Column::Id).limit(limit).all(db).await
}

#[cfg(test)]
mod tests {
    use super::above_prefix;

    #[test]
    fn the_bound_above_a_prefix_is_above_all_its_names_and_close_to_them() {
        assert_eq!(above_prefix("site-12345").as_deref(), Some("site-12346"));
        assert_eq!(above_prefix("ab9").as_deref(), Some("aba"));
        assert_eq!(above_prefix("abz").as_deref(), Some("ac"));
        assert_eq!(above_prefix("shop-").as_deref(), Some("shoq"));
        assert_eq!(above_prefix("a.z-").as_deref(), Some("b"));
        assert_eq!(above_prefix("zz"), None);
        for prefix in ["site-12345", "ab9", "abz", "shop-", "a.b"] {
            let above = above_prefix(prefix).unwrap();
            for name in
                [prefix.to_string(), format!("{prefix}zzz.com"), format!("{prefix}-x"), format!("{prefix}9")]
            {
                assert!(name.as_str() >= prefix && name < above, "{name} not within [{prefix}, {above})");
            }
        }
    }
}
